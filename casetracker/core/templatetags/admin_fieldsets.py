"""``{% fieldset_markup fieldset heading_level prefix id_prefix id_suffix %}``: Django's
``admin/includes/fieldset.html`` written in Python (``templates/admin/includes/fieldset.html``).

The template walks every line and field of a form's fieldsets with some fifteen conditions a field:
on the incident's page (its fourteen fields) that walk was some 17,000 Python calls of the
template engine's lookups, a quarter of the add form's work and a sixth of the case page's
(issue 20). The same loop runs here over the same admin helpers (``Fieldline``, ``AdminField``,
``AdminReadonlyField``) and writes the template's markup, its white space included
(``tests/core/test_admin_fieldsets.py`` renders fieldsets both ways).
"""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


def out(value) -> str:
    """``{{ value }}``: localized, then escaped unless safe."""
    return conditional_escape(localize(value))


def field_markup(line_is_single: bool, field) -> str:
    readonly, bound = field.is_readonly, field.field
    name = bound["name"] if readonly else bound.name
    hidden = bound["is_hidden"] if readonly else bound.is_hidden
    help_text = bound["help_text"] if readonly else bound.help_text
    errors = "" if line_is_single or readonly else out(field.errors())
    box = ""
    if not line_is_single:
        box = " fieldBox" + (f" field-{out(name)}" if name else "")
        box += (" errors" if not readonly and field.errors() else "") + (" hidden" if hidden else "")
    if field.is_checkbox:
        box += " checkbox-row"
        inner = f"\n                                {out(bound)}{out(field.label_tag())}\n                            "
    else:
        shown = (
            f'\n                                    <div class="readonly">{out(field.contents())}</div>\n'
            "                                "
            if readonly
            else f"\n                                    {out(bound)}\n                                "
        )
        indent = "\n" + " " * 32
        inner = f"{indent}{out(field.label_tag())}{indent}{shown}\n                            "
    helped = ""
    if help_text:
        label_id = "" if readonly else bound.id_for_label
        described = f' id="{out(label_id)}_helptext"' if label_id else ""
        helped = (
            f'\n                        <div class="help{" hidden" if hidden else ""}"{described}>\n'
            f"                            <div>{mark_safe(str(help_text))}</div>\n"  # noqa: S308 (the template's |safe)
            "                        </div>\n                    "
        )
    return (
        f"\n                <div>\n                    {errors}\n"
        f'                        <div class="flex-container{box}">\n                            {inner}\n'
        f"                        </div>\n                    {helped}\n                </div>\n            "
    )


def line_markup(line) -> str:
    fields = list(line)  # (the template walks the line twice, each time with new helpers alike)
    single = len(line.fields) == 1
    classes = " errors" if single and line.errors() else ""
    classes += "" if line.has_visible_field else " hidden"
    classes += "".join(
        f" field-{out(name)}"
        for field in fields
        if (name := field.field["name"] if field.is_readonly else field.field.name)
    )
    opening = out(line.errors()) if single else '<div class="flex-container form-multiline">'
    return (
        f'\n        <div class="form-row{classes}">\n            {opening}\n            '
        + "".join(field_markup(single, field) for field in fields)
        + f"\n            {'' if single else '</div>'}\n        </div>\n    "
    )


@register.simple_tag
def fieldset_markup(fieldset, heading_level, prefix, id_prefix, id_suffix) -> str:
    """The markup of ``admin/includes/fieldset.html`` (without the newline its file ends with)."""
    heading_id = f"{out(prefix)}-{out(id_prefix)}-{out(id_suffix)}-heading"
    labelled = f' aria-labelledby="{heading_id}"' if fieldset.name else ""
    parts = [f'<fieldset class="module aligned {out(fieldset.classes)}"{labelled}>\n    ']
    if fieldset.name:
        level = out(heading_level or 2)
        collapsible = fieldset.is_collapsible
        parts.append(
            f"\n        {'<details><summary>' if collapsible else ''}\n"
            f'        <h{level} id="{heading_id}" class="fieldset-heading">{out(fieldset.name)}</h{level}>\n'
            f"        {'</summary>' if collapsible else ''}\n    "
        )
    parts.append("\n    ")
    if fieldset.description:
        parts.append(f'\n        <div class="description">{mark_safe(str(fieldset.description))}</div>\n    ')  # noqa: S308 (|safe)
    parts.append("\n    ")
    parts.extend(line_markup(line) for line in fieldset)
    parts.append("\n    ")
    if fieldset.name and fieldset.is_collapsible:
        parts.append("</details>")
    parts.append("\n</fieldset>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above, or the helpers' own markup)
