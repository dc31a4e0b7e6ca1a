"""What tickets tell the apps above them, without importing them.

``ticket_resolved`` is sent by ``ticket_transition`` inside the resolving transaction (not on
commit): a receiver's rows (maintenance's follow-up, 回访) are written with the resolve or
not at all, and a receiver that fails fails the resolve rather than losing its row.
Arguments: ``ticket``, ``actor`` (who resolved it), ``at`` (the resolve's time). It is sent
before the resolution notice is written: a receiver may return
``{"email": address, "payload": {...}}`` to add fields to that address's notice only
(surveys' confirm-and-rate link), so the customer gets one mail, not two.
"""

from __future__ import annotations

from django.dispatch import Signal

ticket_resolved = Signal()

# ``ticket_closed``: sent by every status change to closed, in its transaction (surveys'
# random survey). Arguments: ``ticket``, ``actor`` (None: the system closing it after the
# quiet period), ``at``, ``rated`` (closed by the customer's confirmation with a rating).
ticket_closed = Signal()
