"""``{% case_result_list cl %}``: the case list's table (Django's ``{% result_list cl %}``), its rows
written with what is the same for every row worked out once.

Django's ``items_for_result`` works out each cell from nothing for each of a page's hundred rows:
the column's field (an exception raised and caught for each column that is an admin method), its
classes, the empty value's lazy string, the choices' dictionary, the change URL (``reverse``) and
the filters the link keeps (``add_preserved_filters``, which resolves the URL again): about half of
the Python time of a search of the incident list at a million cases (issue 20). Here each column
is worked out once for the page, and each row's cells are the same HTML
(``tests/cases/test_case_list_rows.py`` renders pages both ways). A list Django renders otherwise
(editable rows, a pop-up) is left to Django's own rows.
"""

import datetime

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString

register = template.Library()

PK_PLACEHOLDER = "__row_pk__"


class Links:
    """Each row's change URL with the list's filters kept: ``cl.url_for_result`` and
    ``add_preserved_filters`` of Django's rows, the URL reversed once with a placeholder key and
    the filters' query worked out once (a row's URL differs from another's only by its key)."""

    def __init__(self, cl):
        self.cl = cl
        self.head = self.tail = self.query = None
        if type(cl).url_for_result is not ChangeList.url_for_result:
            return  # (a list of its own URLs: each row's asked)
        opts = cl.opts
        try:
            url = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=(PK_PLACEHOLDER,),
                current_app=cl.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return
        if url.count(PK_PLACEHOLDER) == 1 and "?" not in url and "#" not in url:
            self.head, self.tail = url.split(PK_PLACEHOLDER)

    def url(self, result) -> str:
        """The row's link, as ``add_preserved_filters(..., cl.url_for_result(result))``; raises
        ``NoReverseMatch`` as Django's does."""
        pk = getattr(result, self.cl.pk_attname)
        if self.head is None or type(pk) is not int:
            return self.preserved(self.cl.url_for_result(result))
        url = f"{self.head}{pk}{self.tail}"
        if self.query is None:
            # The same for every row: a change URL resolves to the same view whatever its key.
            kept = self.preserved(url)
            self.query = kept[len(url) :] if kept.startswith(url) else False
        return self.preserved(url) if self.query is False else url + self.query

    def preserved(self, url: str) -> str:
        return add_preserved_filters({"preserved_filters": self.cl.preserved_filters, "opts": self.cl.opts}, url)


def class_attribute(classes: list[str]) -> SafeString:
    return SafeString(' class="{}"'.format(" ".join(classes)))


def column_cell(cl, field_name, field_index, link_tag, links):
    """The function writing one column's cell of a row (``items_for_result``'s loop body)."""
    model_admin = cl.model_admin
    classes = [f"field-{_coerce_field_name(field_name, field_index)}"]
    empty_default = model_admin.get_empty_value_display()
    try:
        field = _get_non_gfk_field(cl.lookup_opts, field_name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        field = None
    if field is not None and not field.auto_created:
        if isinstance(field.remote_field, models.ManyToOneRel):
            display = None  # the related row itself, as Django shows it
        elif getattr(field, "flatchoices", None):
            try:
                labels = dict(field.flatchoices)
            except TypeError:
                labels = None
            display = (
                (lambda value: labels.get(value, empty_default))
                if labels is not None
                else (lambda value: display_for_field(value, field, empty_default, avoid_link=link_tag is not None))
            )
        else:
            display = lambda value: display_for_field(  # noqa: E731
                value, field, empty_default, avoid_link=link_tag is not None
            )
        nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
        row_class = class_attribute([*classes, *(["nowrap"] if nowrap else [])])
        plain_class = class_attribute(classes)

        def shown(result):
            try:
                value = getattr(result, field_name)
            except ObjectDoesNotExist:
                return plain_class, empty_default
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if display is None:
                related = getattr(result, field.name)
                return row_class, empty_default if related is None else related
            return row_class, display(value)
    else:
        plain_class = class_attribute(classes)

        def shown(result):
            try:
                f, attr, value = lookup_field(field_name, result, model_admin)
            except ObjectDoesNotExist:
                return plain_class, empty_default
            empty = getattr(attr, "empty_value_display", empty_default)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            if f is not None and not f.auto_created:  # (a field after all: Django's own cell)
                return None, None
            row_classes = ["action-checkbox"] if field_name == "action_checkbox" else list(classes)
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown_value = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                row_classes.append("nowrap")
            return class_attribute(row_classes), shown_value

    if link_tag is None:

        def cell(result):
            row_class, shown_value = shown(result)
            if row_class is None:
                return None
            return SafeString(f"<td{row_class}>{conditional_escape(shown_value)}</td>")

    else:

        def cell(result):
            row_class, shown_value = shown(result)
            if row_class is None:
                return None
            try:
                url = links.url(result)
            except NoReverseMatch:
                inner = conditional_escape(shown_value)
            else:
                inner = f'<a href="{escape(url)}">{conditional_escape(shown_value)}</a>'
            return SafeString(f"<{link_tag}{row_class}>{inner}</{link_tag}>")

    return cell


def result_rows(cl):
    """The rows of ``admin_list.results(cl)``, each a ``ResultList`` of its cells' HTML (joined)."""
    if cl.formset is not None or cl.is_popup or cl.to_field or cl.list_display_links is None:
        return list(admin_list.results(cl))
    links, cells, first = Links(cl), [], True
    for index, name in enumerate(cl.list_display):
        linked = (first and not cl.list_display_links) or name in cl.list_display_links
        tag = ("th" if first else "td") if linked else None
        first = first and not linked
        cells.append(column_cell(cl, name, index, tag, links))
    rows = []
    for result in cl.result_list:
        row = [cell(result) for cell in cells]
        if None in row:  # (a column this does not write alike: the row as Django writes it)
            row = list(admin_list.items_for_result(cl, result, None))
        # One item of the row's cells joined: the template's loop writes them as they are, and a
        # hundred rows of nine cells were 900 turns of it.
        rows.append(ResultList(None, [SafeString("".join(row))]))
    return rows


def case_result_list(cl):
    """``admin_list.result_list``, with the rows of ``result_rows``."""
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(admin_list.result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": result_rows(cl),
    }


@register.tag(name="case_result_list")
def case_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser, token, func=case_result_list, template_name="change_list_results.html", takes_context=False
    )
