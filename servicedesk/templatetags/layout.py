"""The page layout's navigation, rendered once per language, role and badge.

The main navigation (``templates/_main_nav.html``) is a dozen links, each a URL reversed
and a label translated: about a millisecond of every page. What it shows depends only on
the language, the user's role flags below, the approvals badge's number and the URL prefix,
so it is rendered once for each such combination and kept in this process (templates do
not change while it runs). The badge's number itself is read per request, as before.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_CACHE_LIMIT = 2000  # combinations kept; a badge count beyond many signers' reach resets it
_cache: dict[tuple[Any, ...], SafeString] = {}


class NavUser(NamedTuple):
    """What the navigation reads of the user (the same names as ``User``'s properties)."""

    is_customer: bool
    may_log_calls: bool
    is_manager: bool
    may_administer: bool


def nav_user(user: Any) -> NavUser:
    if user.is_customer:
        return NavUser(True, False, False, False)
    manager = bool(user.is_manager)
    return NavUser(
        False,
        bool(user.may_log_calls),
        manager,
        # may_administer costs a query: only a manager's link depends on it
        manager and bool(user.may_administer),
    )


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context, waiting: int | None = None) -> SafeString:
    """``templates/_main_nav.html`` for the signed-in user; ``waiting``: the orders awaiting
    their signature (None: not a signer), shown as the approvals badge."""
    who = nav_user(context["user"])
    key = (get_language(), get_script_prefix(), who, waiting)
    html = _cache.get(key)
    if html is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        html = render_to_string("_main_nav.html", {"user": who, "waiting": waiting})
        _cache[key] = html
    return html
