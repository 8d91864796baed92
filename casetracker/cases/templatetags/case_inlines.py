"""``{% tabular_rows inline_admin_formset %}``: the rows of a tabular inline of the case page
(``admin/cases/incident/tabular.html``), written in Python.

Django's ``admin/edit_inline/tabular.html`` walks every row, fieldset, line and field in the
template language: on the case page (ten people, each row its five or six cells, and each inline's
"add another" row) that loop was a third of the page's rendering, most of it the template engine's
lookups rather than the fields' own markup. Here the same loop runs over the same admin helpers
(``InlineAdminForm``, ``AdminField``, ``AdminReadonlyField``) and writes the template's markup, its
white space included (``tests/cases/test_case_inlines.py`` renders an inline both ways).
"""

from django import template
from django.contrib.admin.templatetags.admin_modify import cell_count
from django.contrib.admin.templatetags.admin_urls import admin_urlname, admin_urlquote
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from casetracker.core.renderers import text

register = template.Library()


def original_cell(inline_admin_formset, inline_admin_form) -> list[str]:
    """``<td class="original">``: the record's title, its change link, and its hidden keys."""
    parts = ['\n        <td class="original">\n          ']
    original, show_url = inline_admin_form.original, inline_admin_form.show_url
    if original or show_url:
        parts.append("<p>\n          ")
        if original:
            parts.append(f"\n          {text(original)}\n          ")
            admin = inline_admin_form.model_admin
            if admin.show_change_link and admin.has_registered_model:
                url = reverse(
                    admin_urlname(admin.opts, "change"),
                    args=[admin_urlquote(original.pk)],
                    current_app=admin.admin_site.name,
                )
                can_change = inline_admin_formset.has_change_permission
                parts.append(
                    f'<a href="{text(url)}" class="{"inlinechangelink" if can_change else "inlineviewlink"}">'
                    f"{text(gettext('Change') if can_change else gettext('View'))}</a>"
                )
            parts.append("\n          ")
        parts.append("\n          ")
        if show_url:
            parts.append(f'<a href="{text(inline_admin_form.absolute_url)}">{text(gettext("View on site"))}</a>')
        parts.append("\n            </p>")
    parts.append("\n          ")
    if inline_admin_form.needs_explicit_pk_field():
        parts.append(text(inline_admin_form.pk_field().field))
    parts.append("\n          ")
    fk_field = inline_admin_form.fk_field()
    if fk_field:
        parts.append(text(fk_field.field))
    parts.append("\n        </td>\n        ")
    return parts


def field_cells(inline_admin_form) -> list[str]:
    parts = []
    for fieldset in inline_admin_form:
        parts.append("\n          ")
        for line in fieldset:
            parts.append("\n            ")
            for field in line:
                if field.is_readonly:
                    name, hidden = field.field["name"], field.field["is_hidden"]
                    cell = f"\n                  <p>{text(field.contents())}</p>\n              "
                else:
                    bound = field.field
                    name, hidden = bound.name, bound.is_hidden
                    errors, widget = text(bound.errors.as_ul()), text(bound)
                    cell = f"\n                  {errors}\n                  {widget}\n              "
                classes = (f"field-{text(name)}" if name else "") + (" hidden" if hidden else "")
                parts.append(
                    f'\n              <td class="{classes}">\n              {cell}\n              </td>\n            '
                )
            parts.append("\n          ")
        parts.append("\n        ")
    return parts


@register.simple_tag
def tabular_rows(inline_admin_formset) -> str:
    """The ``<tbody>`` of ``admin/edit_inline/tabular.html``: its loop over the inline's rows."""
    formset = inline_admin_formset.formset
    deletes = formset.can_delete and inline_admin_formset.has_delete_permission
    rows = list(inline_admin_formset)
    parts = []
    for counter, inline_admin_form in enumerate(rows):
        parts.append("\n        ")
        errors = inline_admin_form.form.non_field_errors()
        if errors:
            parts.append(
                f'\n        <tr class="row-form-errors"><td colspan="{cell_count(inline_admin_form)}">'
                f"{text(errors)}</td></tr>\n        "
            )
        empty = counter == len(rows) - 1 and inline_admin_formset.has_add_permission
        has_original = inline_admin_form.original or inline_admin_form.show_url
        parts.append(
            f'\n        <tr class="form-row {"has_original" if has_original else ""}{" empty-form" if empty else ""}"'
            f'\n             id="{text(formset.prefix)}-{"empty" if empty else counter}">'
        )
        parts.extend(original_cell(inline_admin_formset, inline_admin_form))
        parts.extend(field_cells(inline_admin_form))
        deletion = text(inline_admin_form.deletion_field().field) if deletes and inline_admin_form.original else ""
        parts.append(f'\n        <td class="delete">{deletion}</td>\n        </tr>\n     ')
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above, or a form's own markup)
