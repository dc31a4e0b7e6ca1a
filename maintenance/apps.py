from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Maintenance")

    def ready(self) -> None:
        from tickets.panels import ticket_panel_add

        from . import emails  # noqa: F401  (registers the sign-off topics and renderers)

        # the staff ticket page shows the ticket's work orders and service hours
        ticket_panel_add("maintenance/_ticket_work_orders.html")
        ticket_panel_add("maintenance/_ticket_service_hours.html")
