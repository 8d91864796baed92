"""The project's form renderer writes the markup of Django's widget templates (but for the white
space between a select's options), and leaves every other template to them."""

import datetime
import re

import pytest
from django import forms
from django.contrib.admin.widgets import AdminDateWidget, AdminIntegerFieldWidget, AdminTextInputWidget
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList

from casetracker.core.renderers import WIDGETS, FormRenderer

ATTRS = {"id": "id_x", "form": "step-1", "required": True, "disabled": False, "data-note": 'a"<b&'}
CHOICES = [("", "—"), ("a", 'A & <b>"'), ("group", [("b", "B"), (2, "two")]), (3, "three")]


def markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


WIDGET_CASES = [
    (forms.TextInput(), 'V1 <b> & "x"'),
    (forms.TextInput(), None),
    (forms.TextInput(), ""),
    (AdminTextInputWidget(), "2024-0001"),
    (forms.NumberInput(), 3),
    (AdminIntegerFieldWidget(), 0),
    (forms.HiddenInput(), 7),
    (forms.EmailInput(), "a@b.kr"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.PasswordInput(render_value=True), "secret"),
    (forms.DateInput(), datetime.date(2024, 5, 2)),
    (AdminDateWidget(), datetime.date(2024, 5, 2)),
    (AdminDateWidget(), None),
    (forms.TimeInput(), datetime.time(9, 30)),
    (forms.DateTimeInput(), datetime.datetime(2024, 5, 2, 9, 30)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.Textarea(attrs={"rows": 3}), "V1의 사진\n<script>"),
    (forms.Textarea(), ""),
    (forms.Select(choices=CHOICES), "a"),
    (forms.Select(choices=CHOICES), 2),
    (forms.Select(choices=CHOICES), None),
    (forms.NullBooleanSelect(), True),
    (forms.SelectMultiple(choices=CHOICES), ["a", 3]),
]


@pytest.mark.parametrize(("widget", "value"), WIDGET_CASES)
def test_each_widget_reads_as_djangos_template_renders_it(widget, value):
    assert widget.template_name in WIDGETS
    ours = widget.render("x<", value, attrs=ATTRS, renderer=FormRenderer())
    djangos = widget.render("x<", value, attrs=ATTRS, renderer=DjangoTemplates())
    assert markup(ours) == markup(djangos)
    assert (ours == djangos) or isinstance(widget, forms.Select)  # (only a select's white space differs)


def test_an_error_list_is_djangos_empty_or_not():
    for errors in (ErrorList(), ErrorList(["<b>wrong</b>"], field_id="id_x")):
        assert errors.as_ul() == errors.render(errors.template_name_ul, renderer=DjangoTemplates())
        assert str(errors.render(renderer=FormRenderer())) == str(errors.render(renderer=DjangoTemplates()))


class Labelled(forms.Form):
    name = forms.CharField(label='Name & <b>"')
    ticked = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"id": ""}))

    required_css_class = "required"


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"attrs": {"class": "inline", "data-x": True, "data-y": False}}, {"tag": "legend"}, {"contents": "<i>x</i>"}],
)
def test_a_label_is_djangos(kwargs):
    for field in ("name", "ticked"):  # (the second without an id: no tag)
        ours = Labelled(renderer=FormRenderer())[field].label_tag(**kwargs)
        assert ours == Labelled(renderer=DjangoTemplates())[field].label_tag(**kwargs)


class OwnOptions(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


@pytest.mark.parametrize("widget", [forms.RadioSelect(choices=CHOICES), OwnOptions(choices=CHOICES)])
def test_other_templates_are_djangos(widget):
    ours = widget.render("x", "a", renderer=FormRenderer())
    assert ours == widget.render("x", "a", renderer=DjangoTemplates())


def test_it_is_the_projects_renderer(settings):
    assert settings.FORM_RENDERER == "casetracker.core.renderers.FormRenderer"
    assert 'type="text" name="x" value="&lt;"' in forms.TextInput().render("x", "<")
