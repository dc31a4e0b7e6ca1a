"""Staff console: triage queue, ticket page, hotline intake.

Thin pages: reads through ``tickets.selectors`` (the visibility chokepoint), writes through
``tickets.services``. Members of staff only; everyone else gets a 403 page.
"""

from .canned import canned_delete, canned_edit, canned_list
from .collab import canned_picker, link_add, link_remove, links_panel, merge, presence, ticket_step
from .hotline import hotline, hotline_lookup
from .inbound import inbound_accept, inbound_list, inbound_reject
from .queue import (
    bulk_assign,
    organization_options,
    queue,
    queue_view_counts,
    saved_view_remove,
    saved_view_save,
    staff_options,
)
from .ticket import (
    ticket_assign,
    ticket_assign_panel,
    ticket_detail,
    ticket_form_panel,
    ticket_note,
    ticket_panel,
    ticket_reply,
    ticket_severity,
    ticket_transition,
    ticket_triage,
)

__all__ = [
    "bulk_assign",
    "canned_delete",
    "canned_edit",
    "canned_list",
    "canned_picker",
    "link_add",
    "link_remove",
    "links_panel",
    "merge",
    "presence",
    "ticket_step",
    "hotline",
    "hotline_lookup",
    "inbound_accept",
    "inbound_list",
    "inbound_reject",
    "organization_options",
    "staff_options",
    "queue",
    "queue_view_counts",
    "saved_view_remove",
    "saved_view_save",
    "ticket_assign",
    "ticket_assign_panel",
    "ticket_detail",
    "ticket_form_panel",
    "ticket_note",
    "ticket_panel",
    "ticket_reply",
    "ticket_severity",
    "ticket_transition",
    "ticket_triage",
]
