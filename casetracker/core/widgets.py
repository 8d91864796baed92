"""Widgets shared by the project's forms."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def html_attrs(attrs: dict) -> str:
    """The attributes as Django's ``django/forms/widgets/attrs.html`` writes them, in their order:
    ``True`` bare, ``False`` left out, any other value as text."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{conditional_escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


class CompactSelect(forms.Select):
    """A select whose options are written here, not each by a template.

    Django's ``Select`` renders ``select_option.html`` and its ``attrs.html`` for every option: on
    the case page, the selects' two small templates, rendered some eight hundred times, took more
    time than all its other widgets. The markup is Django's (``select.html``), but for the white
    space between the options.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{html_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'<option value="{conditional_escape(option["value"])}"{html_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>"
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)
