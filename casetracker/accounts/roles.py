from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("clerk")
    SUPERVISOR = "supervisor", _("supervisor")
    ADMIN = "admin", _("admin")
