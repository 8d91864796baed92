"""The project's form renderer (``FORM_RENDERER``): Django's, but for the plainest widget templates,
whose markup it writes itself.

Django renders a template for every widget, and for a select one more for each option, each with
``attrs.html`` again: on the case page (a case of ten people and ten measures) some 650 small
template renders, over a third of the page's rendering. The templates written here are those
whose whole markup is a line: an ``<input>`` (text, number, hidden, date, checkbox, ...), a
``<select>`` with its options, a ``<textarea>``, the admin's date field, an empty error list, a
field's label. The
markup is the templates' own but for the white space between a select's options
(``tests/core/test_renderers.py`` renders every one both ways); any other template, or a select
whose options have templates of their own, goes to Django's templates as before.
"""

import html

from django.forms.renderers import DjangoTemplates

SELECT_OPTION = "django/forms/widgets/select_option.html"


def text(value) -> str:
    """A value as ``{{ value|stringformat:'s' }}`` writes it (escaped unless already safe).

    ``conditional_escape`` of the string, without its way through ``keep_lazy`` (which looks for a
    lazy string among the arguments of every call: some 2,000 calls on the case page, most of them
    for the options' labels)."""
    if not isinstance(value, str):
        value = str(value)
    return value.__html__() if hasattr(value, "__html__") else html.escape(value)


def attributes(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``: in their order, ``True`` bare, ``False`` left out."""
    return "".join(
        f" {text(name)}" if value is True else f' {text(name)}="{text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_markup(widget: dict) -> str:
    """``django/forms/widgets/input.html``."""
    value = "" if widget["value"] is None else f' value="{text(widget["value"])}"'
    return f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{value}{attributes(widget["attrs"])}>'


def select_markup(widget: dict) -> str | None:
    """``django/forms/widgets/select.html`` with its options' ``select_option.html``."""
    parts = [f'<select name="{text(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{text(group_name)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                return None
            parts.append(
                f'<option value="{text(option["value"])}"{attributes(option["attrs"])}>{text(option["label"])}</option>'
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "".join(parts)


def textarea_markup(widget: dict) -> str:
    """``django/forms/widgets/textarea.html``."""
    value = text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{text(widget["name"])}"{attributes(widget["attrs"])}>\n{value}</textarea>'


def admin_date_markup(widget: dict) -> str:
    """``admin/widgets/date.html``: the date's input in its paragraph."""
    return f'<p class="date">\n  {input_markup(widget)}\n\n\n</p>'  # (the newlines its includes end with)


INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "checkbox")
WIDGETS = {
    **{f"django/forms/widgets/{name}.html": input_markup for name in INPUTS},
    "django/forms/widgets/select.html": select_markup,
    "django/forms/widgets/textarea.html": textarea_markup,
    "admin/widgets/date.html": admin_date_markup,
}
ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}
LABEL = "django/forms/label.html"


def label_markup(context: dict) -> str:
    """``django/forms/label.html`` (a field's label: some thirty on the case page and the add form)."""
    label = text(context["label"])
    if not context["use_tag"]:
        return label.strip()  # (Django's renderer strips what its template wrote)
    tag = text(context["tag"])
    return f"<{tag}{attributes(context['attrs'] or {})}>{label}</{tag}>"


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        write = WIDGETS.get(template_name)
        if write is not None and "widget" in context:
            markup = write(context["widget"])
            if markup is not None:
                return markup
        elif template_name in ERROR_LISTS and not context.get("errors"):
            return ""  # (the template writes nothing for no error)
        elif template_name == LABEL and "use_tag" in context:
            return label_markup(context)
        return super().render(template_name, context, request)
