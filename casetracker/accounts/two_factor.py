"""Two-factor authentication (TOTP, django-otp): who needs it, the login form, and the gate.

Admins and supervisors (``settings.TWO_FACTOR_REQUIRED_ROLES``) must set up an authenticator
app before they may do anything else; clerks may. Whoever has set one up gives its code at
every login. Setting one up happens on ``accounts:two_factor`` (``views.two_factor``).
"""

from django import forms
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import Role


def two_factor_required(user) -> bool:
    """Whether ``user`` must pass two-factor authentication to use casetracker."""
    role = Role.ADMIN if user.is_superuser else user.role
    return role in settings.TWO_FACTOR_REQUIRED_ROLES


TOKEN_ERROR_MESSAGES = {
    "token_required": _("Enter the 6-digit code from your authenticator app."),
    "invalid_token": _(
        "That code was not accepted. Enter the newest code from your authenticator app; "
        "after several wrong codes, wait a moment before trying again."
    ),
}


def token_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Authentication code"),
        max_length=8,
        required=required,
        error_messages={"required": TOKEN_ERROR_MESSAGES["token_required"]},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


def has_second_factor(user) -> bool:
    """Whether ``user`` can give a second factor: a confirmed authenticator app, or a backup code left.

    Backup codes all used (or left over after an admin removed a lost authenticator) ask for nothing.
    """
    return (
        TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
        or StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()
    )


class LoginForm(OTPAuthenticationForm):
    """The admin login: username and password, plus the authenticator code (or a backup code) for
    anyone who has set one up.

    A right password with a missing or wrong code answers exactly as a wrong password does (same
    message, page and status, and it counts towards the lockout), so the form tells nobody
    whether a password they are guessing is right. Django's admin form would also demand
    ``is_staff``; the admin site decides by role instead.
    """

    otp_token = token_field(required=False)

    def clean_otp(self, user) -> None:
        # Without a confirmed device the password is enough here; TwoFactorRequiredMiddleware
        # then sends those who need two-factor authentication to set it up.
        if user is None or not has_second_factor(user):
            return
        try:
            super().clean_otp(user)
        except forms.ValidationError:
            # What a wrong password does: the failure signal (django-axes counts it, the access log
            # records it), then the same error.
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=self.request)
            self.user_cache = None
            raise self.get_invalid_login_error() from None

    def _chosen_device(self, user):
        # The form shows no list of devices: a backup code (letters and digits) goes to the backup
        # codes, a code of digits to the authenticator app; one wrong guess throttles only its device.
        token = self.cleaned_data.get("otp_token") or ""
        device_class = TOTPDevice if token.isdigit() else StaticDevice
        return device_class.objects.devices_for_user(user, confirmed=True).select_for_update().order_by("pk").first()

    def clean_otp_token(self) -> str:
        return "".join(self.cleaned_data["otp_token"].split()).lower()

    def _update_form(self, user) -> None:
        pass  # django-otp would list the account's devices: that too would tell the password was right


class TwoFactorRequiredMiddleware:
    """Send a signed-in user who needs two-factor authentication and has not passed it to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and two_factor_required(user)
            and not user.is_verified()
            and not self.is_exempt(request.path)
        ):
            query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return redirect(f"{reverse('accounts:two_factor')}?{query}")
        return self.get_response(request)

    @staticmethod
    def is_exempt(path: str) -> bool:
        """The pages one needs on the way: setting up, logging out, changing language, static files."""
        exempt = (reverse("accounts:two_factor"), reverse("admin:logout"), reverse("set_language"))
        return path in exempt or path.startswith(settings.STATIC_URL)
