"""Each account's interface language: remembered when the user switches, brought back at login.

Django keeps the chosen language in a cookie. The account keeps it too, so that a new
browser, or a shared computer after someone else's session, opens in the user's language.
"""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.views.i18n import LANGUAGE_QUERY_PARAMETER

from .models import User

_LOGIN_LANGUAGE = "_account_language"


@receiver(user_logged_in, dispatch_uid="accounts.language.activate_account_language")
def activate_account_language(sender, request, user, **kwargs) -> None:
    """At login, bring back the account's language: ``AccountLanguageMiddleware`` puts it in the
    language cookie of the login's response, so every later page is in it."""
    code = getattr(user, "language", "")
    if request is not None and code in dict(settings.LANGUAGES):
        setattr(request, _LOGIN_LANGUAGE, code)


class AccountLanguageMiddleware:
    """Stores a signed-in user's switch of language (Django's ``set_language`` view) on the account,
    and puts the account's language in the language cookie on the response to a login.

    Goes after ``AuthenticationMiddleware``. Between logins the cookie decides, as in Django.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        switching = request.method == "POST" and request.path == reverse("set_language")
        response = self.get_response(request)
        if switching:
            self.remember_switch(request, response)
        code = getattr(request, _LOGIN_LANGUAGE, None)
        if code:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    @staticmethod
    def remember_switch(request, response) -> None:
        """After ``set_language`` accepted a language (it set the cookie), store it on the account."""
        user = getattr(request, "user", None)
        code = request.POST.get(LANGUAGE_QUERY_PARAMETER)
        cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
        if user is None or not user.is_authenticated or cookie is None or cookie.value != code:
            return
        if code in dict(settings.LANGUAGES) and user.language != code:
            User.objects.filter(pk=user.pk).update(language=code)
            user.language = code
