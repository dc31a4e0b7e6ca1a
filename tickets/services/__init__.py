"""Every state change of a ticket. The only write path: pages, API, commands and tasks call
these functions. Each one locks the ticket row, checks the rules, writes, records audit
events and outbox rows, all in one transaction.
"""

from ._common import validate_attachment
from .assignment import ticket_assign, tickets_bulk_assign
from .conversation import attachment_add, comment_add
from .deadlines import policy_reapply
from .hotline import hotline_call_log
from .inbound import inbound_mail_accept, inbound_mail_receive, inbound_mail_reject
from .intake import (
    CUSTOMER_EDITABLE,
    STAFF_EDITABLE,
    ticket_create,
    ticket_create_for_contact,
    ticket_update,
)
from .lifecycle import ticket_confirm, ticket_transition, ticket_triage
from .links import ticket_link, ticket_merge, ticket_unlink
from .macros import (
    canned_reply_apply,
    canned_reply_create,
    canned_reply_delete,
    canned_reply_update,
)
from .presence import presence_beat
from .saved_views import clean_view_query, saved_view_create, saved_view_delete

__all__ = [
    "CUSTOMER_EDITABLE",
    "STAFF_EDITABLE",
    "attachment_add",
    "canned_reply_apply",
    "canned_reply_create",
    "canned_reply_delete",
    "canned_reply_update",
    "clean_view_query",
    "comment_add",
    "hotline_call_log",
    "inbound_mail_accept",
    "inbound_mail_receive",
    "inbound_mail_reject",
    "policy_reapply",
    "saved_view_create",
    "saved_view_delete",
    "ticket_assign",
    "ticket_confirm",
    "presence_beat",
    "ticket_create",
    "ticket_create_for_contact",
    "ticket_link",
    "ticket_merge",
    "ticket_transition",
    "ticket_triage",
    "ticket_unlink",
    "ticket_update",
    "tickets_bulk_assign",
    "validate_attachment",
]
