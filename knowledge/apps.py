from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from tickets.panels import request_form_panel_add, ticket_panel_add

        # the staff ticket page offers "Draft an article" on a resolved or closed ticket; the
        # portal's new-request form shows matching articles while the customer types
        ticket_panel_add("knowledge/_ticket_panel.html")
        request_form_panel_add("knowledge/_request_suggestions.html")
