"""What a report covers: all tickets, or those of one organization, contract, product,
service group, engineer, channel, kind or severity (several combine with AND), always within
what the user may see.

``Scope.for_user`` is the permission step: a customer's scope is fixed to their own
organization (naming another one is a 404, as for everything they may not know exists);
staff see their own service groups' tickets unless they may see everything
(``servicedesk.permissions.can_see_all_metrics``: managers, and staff granted the
permission); naming another group is a 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from servicedesk.permissions import can_see_all_metrics, is_customer_user, is_staff_user
from tickets.choices import Channel, Severity, TicketKind

ID_FIELDS = ("organization", "contract", "product", "team", "engineer")
CHOICE_FIELDS = {"channel": Channel, "kind": TicketKind, "severity": Severity}
PARAMS = (*ID_FIELDS, *CHOICE_FIELDS)
# the ticket column each scope parameter filters
COLUMNS = {
    "organization": "organization_id",
    "contract": "contract_id",
    "product": "product_id",
    "team": "team_id",
    "engineer": "assignee_id",
    "channel": "channel",
    "kind": "kind",
    "severity": "severity",
}
CUSTOMER, STAFF, ALL = "customer", "staff", "all"


@dataclass(frozen=True)
class Scope:
    organization: int | None = None
    contract: int | None = None
    product: int | None = None
    team: int | None = None
    engineer: int | None = None
    channel: str | None = None
    kind: str | None = None
    severity: str | None = None
    # set by for_user: the service groups a member of staff is limited to (None: all)
    teams: tuple[int, ...] | None = None
    # who the figures are for: "customer" (no staff or work-order sections), "staff"
    # (their groups), "all" (managers)
    audience: str = ALL

    @classmethod
    def everything(cls) -> Scope:
        """All tickets, no permission applied: for tasks and benchmarks."""
        return cls()

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Scope:
        """The scope named by query parameters (no permission applied); bad values raise
        ``ValidationFailed`` naming the parameter."""
        values: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name in ID_FIELDS:
            raw = params.get(name)
            if raw in (None, ""):
                continue
            try:
                number = int(str(raw))
            except ValueError:
                number = 0
            if not 0 < number < 2**31:
                errors[name] = [_("Enter a valid id.")]
            values[name] = number
        for name, choices in CHOICE_FIELDS.items():
            raw = params.get(name)
            if raw in (None, ""):
                continue
            if raw not in choices.values:
                errors[name] = [
                    _("Choose one of: %(values)s.") % {"values": ", ".join(choices.values)}
                ]
            values[name] = raw
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
        return cls(**values)

    @classmethod
    def for_user(cls, user: Any, **params: Any) -> Scope:
        """The scope ``params`` name, limited to what ``user`` may see."""
        scope = cls.from_params(params)
        if is_customer_user(user):
            if scope.organization not in (None, user.organization_id):
                raise NotFound(_("No such organization."))
            return replace(scope, organization=user.organization_id, audience=CUSTOMER)
        if not is_staff_user(user):
            raise NotFound(_("Not found."))
        if can_see_all_metrics(user):
            return scope
        teams = tuple(
            sorted({t.pk for t in user.teams.all()} | {t.pk for t in user.led_teams.all()})
        )
        if scope.team is not None and scope.team not in teams:
            raise NotAllowed(_("You may see the figures of your own service groups only."))
        return replace(scope, teams=teams, audience=STAFF)

    def check_ids(self) -> None:
        """Raise ``ValidationFailed`` naming each id parameter that names nothing (for a
        customer: nothing of their own organization, so another's id reads the same)."""
        from servicedesk.models import Contract, Organization, Product, Team, User

        models: dict[str, Any] = {
            "organization": Organization.objects.all(),
            "contract": Contract.objects.all(),
            "product": Product.objects.all(),
            "team": Team.objects.all(),
            "engineer": User.objects.all(),
        }
        if self.is_customer and self.organization is not None:
            models["contract"] = Contract.objects.filter(organization_id=self.organization)
        missing = {
            "organization": _("No such organization."),
            "contract": _("No such contract."),
            "product": _("No such product."),
            "team": _("No such service group."),
            "engineer": _("No such engineer."),
        }
        errors = {
            name: [str(missing[name])]
            for name, qs in models.items()
            if getattr(self, name) is not None and not qs.filter(pk=getattr(self, name)).exists()
        }
        if errors:
            raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)

    # --- queries -----------------------------------------------------------------------

    def ticket_q(self, prefix: str = "") -> Q:
        """The filter on tickets (``prefix`` reaches them from another model, e.g.
        ``"ticket__"`` from an SLA clock)."""
        q = Q()
        for name, column in COLUMNS.items():
            value = getattr(self, name)
            if value is not None:
                q &= Q(**{prefix + column: value})
        if self.teams is not None:
            q &= Q(**{prefix + "team_id__in": self.teams})
        return q

    def ticket_filters(self) -> dict[str, Any]:
        """The staff queue's filter parameters for this scope (links to the tickets)."""
        names = {"engineer": "assignee"}
        return {
            names.get(name, name): getattr(self, name)
            for name in PARAMS
            if getattr(self, name) is not None
        }

    @property
    def is_customer(self) -> bool:
        return self.audience == CUSTOMER

    @property
    def is_everything(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self) if f.name in PARAMS) and (
            self.teams is None
        )

    def query(self) -> dict[str, str]:
        """The query parameters that name this scope."""
        return {name: str(getattr(self, name)) for name in PARAMS if getattr(self, name)}

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {name: getattr(self, name) for name in PARAMS}
        data["teams"] = list(self.teams) if self.teams is not None else None
        data["audience"] = self.audience
        return data
