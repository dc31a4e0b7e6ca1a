from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.db.models import Q
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

        # the managers' queue view: tickets whose work orders await their signature
        from servicedesk.permissions import is_manager
        from tickets.queue_views import QueueView, queue_view_add

        def awaiting_signature(user: Any, now: dt.datetime) -> Q:
            from .selectors import tickets_awaiting_signature

            return tickets_awaiting_signature(user)

        queue_view_add(
            QueueView(
                "approval",
                _("Awaiting my approval"),
                awaiting_signature,
                audience=is_manager,
                link="maintenance:approvals",
                link_label=_("Approvals inbox"),
            )
        )
