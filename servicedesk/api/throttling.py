"""API request limits (``API_THROTTLE_RATES`` in settings; docs/API.md, "Limits").

Requests that are refused as unauthenticated (401: no credentials, a wrong or revoked
token) are counted per client address by ``UnauthenticatedLimitMiddleware``: over the
"anonymous" rate, the address gets 429 before any token is even looked at, so tokens
cannot be guessed at speed. Everyone else is counted per user (a token counts as its user).
Writes count twice: against the read limit like every request, and against
a write limit, lower for customers than for staff and integrations. Rates are read from
the settings at each request, so an operator's change applies without a code change and
tests can set their own.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SettingsRateThrottle(SimpleRateThrottle):
    """A throttle whose rate is ``API_THROTTLE_RATES[scope]`` (None: no limit)."""

    scope = ""

    def __init__(self) -> None:  # the rate is looked up per request, not at start-up
        pass

    def allow_request(self, request, view) -> bool:
        self.scope = self.scope_for(request)
        if not self.scope:
            return True
        self.rate = settings.API_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def scope_for(self, request) -> str:
        return type(self).scope

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ReadThrottle(SettingsRateThrottle):
    scope = "read"

    def scope_for(self, request) -> str:
        return self.scope if request.user and request.user.is_authenticated else ""


class WriteThrottle(SettingsRateThrottle):
    scope = "write"

    def scope_for(self, request) -> str:
        user = request.user
        if request.method in SAFE_METHODS or not (user and user.is_authenticated):
            return ""
        return "customer_write" if getattr(user, "is_customer", False) else "write"


class UnauthenticatedLimitMiddleware:
    """Count 401 answers under /api/ per client address; refuse the address with 429 while
    it is over the "anonymous" rate (DRF's throttles run after authentication, which is
    what a token guesser fails)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        rate = settings.API_THROTTLE_RATES.get("anonymous")
        if rate is None:
            return self.get_response(request)
        throttle = UnauthenticatedCounter(rate)
        wait = throttle.wait_for(request)
        if wait is not None:
            return throttled_response(wait)
        response = self.get_response(request)
        if response.status_code == 401:
            throttle.count(request)
        return response


class UnauthenticatedCounter(SimpleRateThrottle):
    scope = "anonymous"

    def __init__(self, rate: str) -> None:
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def wait_for(self, request) -> float | None:
        """Seconds until the address may try again, or None when it is under the limit."""
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def count(self, request) -> None:
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


def throttled_response(wait: float):
    from django.http import JsonResponse
    from rest_framework.exceptions import Throttled

    error = Throttled(wait=wait)
    response = JsonResponse({"code": "throttled", "detail": str(error.detail)}, status=429)
    response["Retry-After"] = str(max(int(wait + 0.999), 1))
    return response
