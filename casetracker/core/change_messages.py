"""The admin's history page in the reader's language, field names included.

Django stores a change's field names as the form's labels in English, capitalised ("Description"),
and translates them only when it shows the entry: no catalogue holds "Description", so a Korean
page read "Description가 변경되었습니다". Here the stored labels are turned back into the models'
own ``verbose_name`` ("description"), which our catalogue translates, before Django builds the
sentence (with our catalogue's wording of it, ``locale/ko``). Entries already stored read right too.
"""

import json

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import override


def field_labels(*model_classes: type[models.Model]) -> dict[str, str]:
    """{the label Django stores: the field's verbose_name as written in the source}."""
    labels = {}
    with override(None):  # the source's wording, as Django stores it
        for model in model_classes:
            for field in model._meta.get_fields():
                name = getattr(field, "verbose_name", None)
                if name is not None:
                    labels.setdefault(str(capfirst(name)), str(name))
    return labels


def with_model_labels(change_message: str, labels: dict[str, str]) -> str:
    """``change_message`` (Django's JSON) with each stored field label replaced by its verbose_name."""
    if not change_message.startswith("["):
        return change_message
    try:
        entries = json.loads(change_message)
    except json.JSONDecodeError:
        return change_message
    for entry in entries:
        changed = entry.get("changed") if isinstance(entry, dict) else None
        if isinstance(changed, dict) and isinstance(changed.get("fields"), list):
            changed["fields"] = [labels.get(label, label) for label in changed["fields"]]
    return json.dumps(entries)
