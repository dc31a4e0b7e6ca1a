"""Panels that apps above tickets add to the staff ticket page (work orders, service hours,
visits), to the portal's ticket page (a visit to confirm) and to the portal's new-request
form (matching articles).

The composition point is explicit: tickets owns the page and renders, in order, the
templates registered here; an app registers its panels in its ``AppConfig.ready``, so the
ticket page renders without them when that app is not installed, and tickets imports
nothing of the apps that fill it. A panel template gets the page's context (``ticket``,
``user``) and loads its own app's template tags.

A panel that reads much (its own queries, forms with long option lists) is registered with
a ``key``: the page then holds a placeholder and the panel comes by htmx right after the
page (``staff:ticket-panel``, the same template with the same context, the ticket read
through the visibility chokepoint), so the page itself is not held up by it.
"""

from __future__ import annotations

from dataclasses import dataclass

_PANELS: list[str] = []
_DEFERRED: dict[str, str] = {}  # key -> template name
_PORTAL_PANELS: list[str] = []


@dataclass(frozen=True)
class Panel:
    template: str
    key: str = ""  # set: loaded after the page, at staff:ticket-panel with this key


def ticket_panel_add(template_name: str, *, key: str = "") -> None:
    """Show ``template_name`` on the staff ticket page, after the panels added before it;
    with a ``key``, loaded after the page (see above)."""
    if template_name not in _PANELS:
        _PANELS.append(template_name)
    if key:
        _DEFERRED[key] = template_name


def ticket_panels() -> tuple[Panel, ...]:
    keys = {template: key for key, template in _DEFERRED.items()}
    return tuple(Panel(template, keys.get(template, "")) for template in _PANELS)


def ticket_panel_template(key: str) -> str | None:
    """The template of the panel loaded after the page under ``key``, if there is one."""
    return _DEFERRED.get(key)


def portal_panel_add(template_name: str) -> None:
    """Show ``template_name`` on the portal's ticket page (the customer's view: the panel
    itself shows only what the customer may see)."""
    if template_name not in _PORTAL_PANELS:
        _PORTAL_PANELS.append(template_name)


def portal_panels() -> tuple[str, ...]:
    return tuple(_PORTAL_PANELS)


# The portal's new-request form, likewise: an app adds a section (e.g. matching articles
# while the customer types). A section template gets the form page's context (``form``).
_REQUEST_FORM_PANELS: list[str] = []


def request_form_panel_add(template_name: str) -> None:
    """Show ``template_name`` on the portal's new-request form, after the form's fields."""
    if template_name not in _REQUEST_FORM_PANELS:
        _REQUEST_FORM_PANELS.append(template_name)


def request_form_panels() -> tuple[str, ...]:
    return tuple(_REQUEST_FORM_PANELS)
