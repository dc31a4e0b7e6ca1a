from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from . import emails, models  # noqa: F401  (emails registers its renderers)
        from .services import plan_cache_clear

        for model in (
            models.SlaPolicy,
            models.SlaPolicyVersion,
            models.SlaTarget,
            models.ContractPolicy,
            models.BusinessCalendar,
        ):
            for signal in (post_save, post_delete):
                signal.connect(
                    plan_cache_clear, sender=model, dispatch_uid=f"sla-plan-{model.__name__}"
                )
