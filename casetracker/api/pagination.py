"""Keyset pagination on (updated_at, id): each page is one indexed range scan, however deep.

DRF's CursorPagination keys on the first ordering field only and counts an offset among rows
that share it; imported or generated incidents share their ``updated_at`` by the thousand, so
the offset would grow with the depth of the page. Here the cursor is the last row's
(updated_at, id) and the next page starts strictly after it (index ``incident_updated_id``).
"""

import base64
import binascii
import datetime
import json
from urllib.parse import urlencode

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

PAGE_SIZE = 100


def encode_cursor(updated_at: datetime.datetime, pk: int) -> str:
    text = json.dumps([updated_at.isoformat(), pk])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = json.loads(text)
        updated_at = datetime.datetime.fromisoformat(moment)
        if updated_at.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": [_("This cursor is not one the API gave: start again without it.")]}) from None
    return updated_at, pk


class UpdatedKeysetPagination:
    """Pages of ``records.page_values`` rows."""

    page_size = PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        queryset = queryset.order_by("updated_at", "id")
        cursor = request.query_params.get("cursor")
        if cursor:
            updated_at, pk = decode_cursor(cursor)
            queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, id__gt=pk))
        rows = list(queryset[: self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.page = rows[: self.page_size]
        return self.page

    def next_link(self) -> str | None:
        if not self.has_next:
            return None
        last = self.page[-1]
        parameters = {key: value for key, value in self.request.query_params.items() if key != "cursor"}
        parameters["cursor"] = encode_cursor(last["v_updated_at"], last["v_id"])
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(parameters)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "The next page's cursor, as given in `next`.",
                "schema": {"type": "string"},
            }
        ]
