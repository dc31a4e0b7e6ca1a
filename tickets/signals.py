"""What the ticket services announce to apps above them (surveys), inside their transaction.

Tickets import nothing of those apps (imports point one way, README "Architecture"); an app
that must act when a ticket is resolved or closed connects a receiver in its
``AppConfig.ready``. Receivers run in the service's transaction: what they write commits or
rolls back with the change, and an error in one fails the change.
"""

from django.dispatch import Signal

# ticket=Ticket, at=datetime: a ticket was resolved (the customer is asked to confirm).
ticket_resolved = Signal()
# ticket=Ticket, at=datetime, rated=bool: a ticket was closed (rated: by the customer's
# confirmation with a rating; otherwise by staff or by the quiet period running out).
ticket_closed = Signal()
