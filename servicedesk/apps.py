from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .badges import badge_source_add
        from .notifications import unread_rows

        badge_source_add("unread", unread_rows)
        from .models import WebhookEndpoint
        from .webhooks import endpoints_cache_clear

        for signal in (post_save, post_delete):
            signal.connect(endpoints_cache_clear, sender=WebhookEndpoint, dispatch_uid="webhooks")
