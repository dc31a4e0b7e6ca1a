from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Register the report mail and the closing mail's service report with the outbox.
        from tickets.panels import ticket_panel_add

        from . import mail, service_report  # noqa: F401

        ticket_panel_add("reports/_ticket_service_report.html")
