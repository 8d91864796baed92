"""``{% step_inline step label %}``: a step's form on the case page, in the disclosure its button
opens (``admin/cases/incident/step_inline.html``), for one record (``step_views.InlineStep``).

The form is rendered once for every record it reads alike for, its key a placeholder, and each
record gets that rendering with its own key: the same markup as rendering it again for each.
"""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from ..admin.step_views import KEY_PLACEHOLDER, InlineStep

register = template.Library()

TEMPLATE = "admin/cases/incident/step_inline.html"


@register.simple_tag
def step_inline(step: InlineStep, label: str) -> str:
    if label not in step.rendered:
        step.rendered[label] = get_template(TEMPLATE).render({"form": step.form, "label": label})
    return mark_safe(step.rendered[label].replace(KEY_PLACEHOLDER, step.key))  # noqa: S308 (rendered by the template)
