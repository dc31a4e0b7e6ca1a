from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from tickets import signals

        from . import emails  # noqa: F401  (registers its topic and renderer)
        from .receivers import on_ticket_closed, on_ticket_resolved

        signals.ticket_resolved.connect(on_ticket_resolved, dispatch_uid="surveys.resolved")
        signals.ticket_closed.connect(on_ticket_closed, dispatch_uid="surveys.closed")
