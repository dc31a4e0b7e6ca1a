"""Use the language a signed-in user chose in their profile, unless they just picked one."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware.

    Order of preference: the language cookie set by the switcher, the user's saved language,
    then the browser's Accept-Language (already applied by LocaleMiddleware).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.language in self.codes
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
