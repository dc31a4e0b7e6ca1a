from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from servicedesk.choices import TokenScope
from servicedesk.models import ApiToken
from servicedesk.permissions import is_staff_user


class IsAuthenticatedWithScope(BasePermission):
    """Signed in (session or token); a read-scoped token may only read."""

    message = _("This token may only read.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == TokenScope.READ:
            return request.method in SAFE_METHODS
        return True


class IsStaff(BasePermission):
    message = _("Only staff may do this.")

    def has_permission(self, request, view) -> bool:
        return is_staff_user(request.user)


class IsStaffElse404(IsStaff):
    """Staff only, and a signed-in non-staff user (a customer) is told nothing: 404, as for
    an object they may not see (the maintenance records: work orders, fault log, hours)."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        if request.user and request.user.is_authenticated:
            raise NotFound()
        return False
