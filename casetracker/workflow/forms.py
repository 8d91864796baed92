from django import forms
from django.utils.translation import gettext_lazy as _

from .deadlines import Urgency
from .queue import Due, QueueFilter

WHEN_CHOICES = [
    ("", _("any deadline")),
    ("overdue", _("overdue")),
    ("week", _("overdue or due within 7 days")),
]
WHEN_URGENCIES = {
    "": tuple(Urgency),
    "overdue": (Urgency.OVERDUE,),
    "week": (Urgency.OVERDUE, Urgency.THIS_WEEK),
}
SORT_CHOICES = [("deadline", _("earliest deadline first")), ("-deadline", _("latest deadline first"))]


class QueueFilterForm(forms.Form):
    due = forms.ChoiceField(label=_("what is due"), choices=[("", _("everything")), *Due.choices], required=False)
    when = forms.ChoiceField(label=_("deadline"), choices=WHEN_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("order"), choices=SORT_CHOICES, required=False)

    def queue_filter(self) -> QueueFilter:
        """The filter the valid form asks for."""
        data = self.cleaned_data
        return QueueFilter(
            dues=(Due(data["due"]),) if data.get("due") else tuple(Due),
            urgencies=WHEN_URGENCIES[data.get("when") or ""],
            latest_first=data.get("sort") == "-deadline",
        )
