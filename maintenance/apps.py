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
        from releases.services import fix_source
        from tickets.panels import portal_panel_add, ticket_panel_add
        from tickets.signals import ticket_resolved

        from . import (
            emails,  # noqa: F401  (registers the sign-off topics and renderers)
            visit_emails,  # noqa: F401  (the inspection-due topic and renderer)
        )
        from .selectors.work_orders import versions_fixed_by
        from .services.visits import follow_up_schedule

        def schedule_follow_up(sender: object, *, ticket, actor, at, **kwargs: object) -> None:
            follow_up_schedule(ticket, actor=actor, at=at)

        # 回访: the resolve of an L1/L2 fault or a complaint schedules a follow-up
        ticket_resolved.connect(
            schedule_follow_up, weak=False, dispatch_uid="maintenance.follow_up"
        )
        # a published patch tells the customers running the versions its faults affected
        fix_source(versions_fixed_by)

        # the header's approvals badge, counted with the other badges (servicedesk.badges)
        from servicedesk.badges import badge_source_add

        from .selectors import approvals_rows

        badge_source_add("approvals", approvals_rows)

        # the staff ticket page shows the ticket's work orders and service hours
        ticket_panel_add("maintenance/_ticket_work_orders.html")
        # the service-hours card (entries, total, logging form) loads after the page
        ticket_panel_add("maintenance/_ticket_service_hours.html", key="service-hours")
        # visits and follow-ups (their step forms list the engineers) load after the page
        ticket_panel_add("maintenance/_ticket_visits.html", key="visits")
        # the customer confirms an on-site visit on the portal's ticket page
        portal_panel_add("maintenance/_portal_visits.html")

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
