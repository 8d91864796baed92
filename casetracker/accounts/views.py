"""Account pages: setting up two-factor authentication, and the login lockout page."""

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .two_factor import TOKEN_ERROR_MESSAGES, token_field, two_factor_required


class TokenForm(forms.Form):
    token = token_field(required=True)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Set up an authenticator app (secret and QR code, then a first code), or pass two-factor
    authentication with the one already set up."""
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()
    context = {**admin.site.each_context(request), "title": _("Two-factor authentication")}
    if device is not None and user.is_verified():
        return _two_factor_enabled(request, context)

    device = device or services.start_two_factor(account=user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        verified = services.verify_two_factor(device=device, token=form.cleaned_data["token"], request=request)
        if verified is None:
            form.add_error("token", TOKEN_ERROR_MESSAGES["invalid_token"])
        else:
            request.session.cycle_key()  # more rights now, so a new session key
            otp_login(request, verified)
            messages.success(request, _("Two-factor authentication is on for your account."))
            return redirect(_next_url(request))

    if not device.confirmed:
        context["required"] = two_factor_required(user)
        context["secret"] = " ".join(_chunks(b32encode(device.bin_key).decode(), 4))
        # segno draws the QR code as SVG paths only; nothing typed by a user becomes markup.
        context["qr_code"] = mark_safe(  # noqa: S308
            segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")
        )
    return render(request, "accounts/two_factor.html", {**context, "form": form, "setting_up": not device.confirmed})


def _two_factor_enabled(request, context):
    """Two-factor authentication is on: the backup codes left, and new ones on request, shown this once."""
    codes = None
    if request.method == "POST" and "backup_codes" in request.POST:
        codes = services.generate_backup_codes(account=request.user, request=request)
    remaining = StaticToken.objects.filter(device__user=request.user, device__confirmed=True).count()
    context = {**context, "enabled": True, "backup_codes": codes, "backup_codes_left": remaining}
    return render(request, "accounts/two_factor.html", context)


class OwnPasswordChangeView(PasswordChangeView):
    """The admin site's "change password" page (``CaseTrackerAdminSite.password_change``)."""

    def form_valid(self, form):
        services.change_own_password(
            account=form.user, password=form.cleaned_data["new_password1"], request=self.request
        )
        update_session_auth_hash(self.request, form.user)  # this session stays signed in
        return HttpResponseRedirect(self.get_success_url())


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (``settings.AXES_LOCKOUT_CALLABLE``)."""
    context = {
        **admin.site.each_context(request),
        "title": _("Login blocked"),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def _next_url(request) -> str:
    url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return reverse("admin:index")


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
