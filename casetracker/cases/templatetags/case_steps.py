"""``{% correct_link what record label [text] %}``: a recorded step's correction (``cases/corrections.py``), its short
form on its own page, written here rather than included as a template for each of the case page's
dozen corrections.

``{% step_inline step label %}``: a step's form on the case page, in the disclosure its button
opens (``admin/cases/incident/step_inline.html``), for one record (``step_views.InlineStep``).

The form is rendered once for every record it reads alike for, its key a placeholder, and each
record gets that rendering with its own key: the same markup as rendering it again for each.
"""

from django import template
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..admin.step_views import KEY_PLACEHOLDER, InlineStep

register = template.Library()

TEMPLATE = "admin/cases/incident/step_inline.html"


@register.simple_tag
def step_inline(step: InlineStep, label: str) -> str:
    if label not in step.rendered:
        step.rendered[label] = get_template(TEMPLATE).render({"form": step.form, "label": label})
    return mark_safe(step.rendered[label].replace(KEY_PLACEHOLDER, step.key))  # noqa: S308 (rendered by the template)


CORRECT_LINK = '\n<a class="button correct-step" href="{}{}" title="{}">{}</a>\n'


@register.simple_tag(takes_context=True)
def correct_link(context, what: str, record, label: str, text: str = "") -> str:
    """``text``: the button's own words where "Correct" would not tell it from its neighbours."""
    url = reverse("admin:cases_incident_correct", args=[context["original"].pk, what])
    on = f"?on={record.pk}" if record else ""
    return format_html(CORRECT_LINK, url, on, label, text or gettext("Correct"))
