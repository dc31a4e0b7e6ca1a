from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from .panels import ticket_panel_add

        # Tickets' own panels come first (apps above register theirs after these).
        for panel in ("presence", "canned", "links", "keys"):
            ticket_panel_add(f"staff/_panel_{panel}.html")
        from . import emails  # noqa: F401  (registers its topics and renderers)
