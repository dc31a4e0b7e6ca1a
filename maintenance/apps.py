from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Maintenance")

    def ready(self) -> None:
        from releases.services import fix_source
        from tickets.panels import ticket_panel_add

        from . import emails  # noqa: F401  (registers the sign-off topics and renderers)
        from .selectors.work_orders import versions_fixed_by

        # a published patch tells the customers running the versions its faults affected
        fix_source(versions_fixed_by)

        # the staff ticket page shows the ticket's work orders and service hours
        ticket_panel_add("maintenance/_ticket_work_orders.html")
        ticket_panel_add("maintenance/_ticket_service_hours.html")
