"""Read queries acting for a user. Every one starts from ``Ticket.objects.visible_to``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.choices import Role
from servicedesk.errors import NotFound
from servicedesk.ids import parse_id
from servicedesk.models import (
    Contact,
    Organization,
    Product,
    ProductVersion,
    Skill,
    Team,
    User,
)
from servicedesk.permissions import can_log_call, is_staff_user

from .choices import OPEN_STATUSES
from .models import (
    Attachment,
    CannedReply,
    Comment,
    InboundMessage,
    InboundOutcome,
    SavedView,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketPresence,
)
from .permissions import can_see_internal

LIST_RELATED = ("organization", "product", "product_version", "team", "assignee")
# What a list row shows of each reference: loading whole rows (the assignee's password
# hash, the organization's address) costs measurable time on a 50-row page.
LIST_PREFETCH = (
    Prefetch("organization", queryset=Organization.objects.only("id", "name", "code")),
    Prefetch("product", queryset=Product.objects.only("id", "code", "name")),
    Prefetch("product_version", queryset=ProductVersion.objects.only("id", "version")),
    Prefetch("team", queryset=Team.objects.only("id", "name")),
    Prefetch("assignee", queryset=User.objects.only("id", "username", "first_name", "last_name")),
)


def ticket_list(user: Any) -> QuerySet[Ticket]:
    """Tickets ``user`` may see, with what a list row shows.

    The small reference tables are prefetched (one ``IN`` query each) rather than joined:
    on PostgreSQL, planning a six-table join costs more than running it (see
    docs/PERFORMANCE.md), and the queries per page stay constant either way.
    """
    return Ticket.objects.visible_to(user).prefetch_related(*LIST_PREFETCH)


# One list row as plain values; the names of its references are attached per page.
ROW_VALUES = (
    "id", "number", "title", "kind", "channel", "status", "severity", "proposed_severity",
    "severity_confirmed", "triage_decision", "area", "created_at", "updated_at",
    "response_due_at", "resolution_due_at",
    "sla_due_at", "resolved_at", "rating", "version",
    "organization_id", "product_id", "product_version_id", "team_id", "assignee_id",
)  # fmt: skip
ROW_REFERENCES = (
    ("organization", Organization, ("name",)),
    ("product", Product, ("code", "name")),
    ("product_version", ProductVersion, ("version",)),
    ("team", Team, ("name",)),
    ("assignee", User, ("username", "first_name", "last_name")),
)


def ticket_rows(user: Any) -> QuerySet[Ticket]:
    """Tickets ``user`` may see as plain dicts of what an API list row shows.

    The API's hottest path: no model instances and no joins. Planning a six-table join
    cost PostgreSQL about 2 ms of CPU a request, more than running it (docs/PERFORMANCE.md);
    ``ticket_rows_named`` adds the reference names per page instead.
    """
    return Ticket.objects.visible_to(user).values(*ROW_VALUES)


def ticket_rows_named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attach ``<reference>__<column>`` names to a page of rows, in one query.

    One ``UNION ALL`` of primary-key look-ups (one branch per reference the page uses)
    instead of one ORM query per reference: each query costs a round trip and ~0.15 ms of
    ORM compilation, and the names are read fresh, so a rename shows on the next page.
    """
    wanted = []
    for field, model, columns in ROW_REFERENCES:
        ids = sorted({row[f"{field}_id"] for row in rows if row[f"{field}_id"] is not None})
        if ids:
            wanted.append((field, model, columns, ids))
    found: dict[tuple[int, int], tuple[Any, ...]] = {}
    if wanted:
        quote = connection.ops.quote_name
        branches, params = [], []
        for index, (_field, model, columns, ids) in enumerate(wanted):
            names = [quote(model._meta.get_field(column).column) for column in columns]  # type: ignore[union-attr,arg-type]
            names += ["''"] * (3 - len(names))  # every branch has the same three columns
            pk = quote(model._meta.pk.column)  # type: ignore[arg-type,union-attr]
            placeholders = ", ".join(["%s"] * len(ids))
            branches.append(  # identifiers from the models' metadata; the ids are parameters
                f"SELECT {index}, {pk}, {', '.join(names)} FROM {quote(model._meta.db_table)} "  # noqa: S608
                f"WHERE {pk} IN ({placeholders})"
            )
            params += ids
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(branches), params)
            for index, pk, *values in cursor.fetchall():
                found[(index, pk)] = tuple(values)
    present = {field: index for index, (field, *_rest) in enumerate(wanted)}
    for field, _model, columns in ROW_REFERENCES:
        branch = present.get(field)
        key = f"{field}_id"
        for row in rows:
            ref = None if branch is None else found.get((branch, row[key]))
            for position, column in enumerate(columns):
                row[f"{field}__{column}"] = ref[position] if ref else None
    return rows


def ticket_get_for(user: Any, pk: Any, *, for_update: bool = False, related: bool = True) -> Ticket:
    """One ticket ``user`` may see, by id or number; others are indistinguishable from absent.

    ``related=False`` when only the row is needed (e.g. to list its comments).
    """
    qs = Ticket.objects.visible_to(user)
    if for_update:
        qs = qs.select_for_update()
    elif related:
        # Prefetched, not joined: planning an eleven-table join costs ~10 ms on PostgreSQL,
        # several times the cost of these primary-key look-ups.
        qs = qs.prefetch_related(*LIST_RELATED, "contact", "requester", "contract", "created_by")
    # ASCII digits only: "٣".isdigit() is true, and int() reads it as 3
    number = parse_id(pk)
    lookup = {"pk": number} if number is not None else {"number": str(pk)}
    try:
        return qs.get(**lookup)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ticket not found.")) from None


# The staff ticket page's references: small tables joined on their primary keys (seven
# tables plan in well under a millisecond; the eleven of every reference did not).
PAGE_JOINED = ("organization", "product", "product_version", "team", "contact", "contract")
PAGE_PEOPLE = ("requester", "created_by", "assignee")


def ticket_for_page(user: Any, pk: Any) -> Ticket:
    """``ticket_get_for`` for the staff ticket page: two queries whatever the ticket refers
    to (the ticket with its small references joined; its people, up to three, in one)."""
    qs = Ticket.objects.visible_to(user).select_related(*PAGE_JOINED)
    number = parse_id(pk)
    lookup = {"pk": number} if number is not None else {"number": str(pk)}
    try:
        ticket = qs.get(**lookup)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Ticket not found.")) from None
    wanted = {getattr(ticket, f"{name}_id") for name in PAGE_PEOPLE} - {None}
    people = User.objects.in_bulk(wanted) if wanted else {}
    for name in PAGE_PEOPLE:
        person_id = getattr(ticket, f"{name}_id")
        if person_id is not None and person_id in people:
            setattr(ticket, name, people[person_id])
    contact = ticket.contact
    if contact is not None and contact.organization_id == ticket.organization_id:
        contact.organization = ticket.organization  # str(contact) names it: no third query
    return ticket


def comment_list(user: Any, ticket: Ticket, *, files: bool = True) -> QuerySet[Comment]:
    """The ticket's comments with their authors; ``files=False`` leaves their attachments
    to the caller (the staff page groups ``attachment_list`` by comment instead)."""
    qs = ticket.comments.select_related("author")
    if files:
        files_in_order = Attachment.objects.order_by("id")
        qs = qs.prefetch_related(Prefetch("attachments", queryset=files_in_order))
    if not can_see_internal(user):
        qs = qs.filter(is_internal=False)
    return qs


def attachment_list(user: Any, ticket: Ticket) -> QuerySet[Attachment]:
    qs = ticket.attachments.select_related("uploaded_by")
    if not can_see_internal(user):
        qs = qs.filter(is_internal=False)
    return qs


def attachment_get_for(user: Any, pk: Any) -> Attachment:
    qs = Attachment.objects.filter(ticket__in=Ticket.objects.visible_to(user))
    if not can_see_internal(user):
        qs = qs.filter(is_internal=False)
    try:
        return qs.select_related("ticket").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Attachment not found.")) from None


def event_list(user: Any, ticket: Ticket) -> QuerySet[TicketEvent]:
    qs = ticket.events.select_related("actor")
    if not can_see_internal(user):
        qs = qs.filter(is_internal=False)
    return qs


def contacts_by_phone(phone: str) -> QuerySet[Contact]:
    """Caller lookup for the hotline: contacts (and their organization) by phone number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 3:
        return Contact.objects.none()
    # Stored numbers are typed by people ("+86 139-1234 5678"): compare digits only, on the
    # last 11 (a Chinese mobile number without the country code).
    bare = Value("")
    stripped = Replace(
        Replace(Replace(Replace("phone", Value(" "), bare), Value("-"), bare), Value("+"), bare),
        Value("("),
        bare,
    )
    return (
        Contact.objects.select_related("organization")
        .annotate(phone_digits=Replace(stripped, Value(")"), bare))
        .filter(phone_digits__endswith=digits[-11:])
        .order_by("organization__name", "name")[:10]
    )


@dataclass(frozen=True)
class Suggestion:
    user: User
    score: int
    open_load: int
    reasons: list[str]


def open_load_by_assignee(user_ids: list[int]) -> dict[int, int]:
    """Open tickets per assignee, for ``user_ids`` only.

    A ``GROUP BY`` over the partial index of open tickets (``ticket_open_assignee``): it reads
    nothing of the closed tickets, which are most of the table. The filtered ``Count`` it
    replaces was planned as a scan of every ticket (docs/PERFORMANCE.md, "Ticket page").
    """
    if not user_ids:
        return {}
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids, status__in=sorted(OPEN_STATUSES))
        .order_by()
        .values_list("assignee_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)


def assignee_suggestions(ticket: Ticket, *, limit: int = 10) -> list[Suggestion]:
    """Engineers ranked by skill match (product, area), then by open load; away ones skipped."""
    engineers = list(
        User.objects.filter(role=Role.ENGINEER, is_active=True, is_away=False)
        .only("id", "username", "first_name", "last_name", "role")
        .prefetch_related(Prefetch("skills", queryset=Skill.objects.select_related("product")))
    )
    load = open_load_by_assignee([engineer.pk for engineer in engineers])
    ranked = []
    for engineer in engineers:
        score, reasons = _skill_score(engineer, ticket)
        ranked.append(Suggestion(engineer, score, load.get(engineer.pk, 0), reasons))
    ranked.sort(key=lambda s: (-s.score, s.open_load, s.user.username))
    return ranked[:limit]


def _skill_score(engineer: User, ticket: Ticket) -> tuple[int, list[str]]:
    best, reasons = 0, []
    for skill in engineer.skills.all():
        product_hit = ticket.product_id is not None and skill.product_id == ticket.product_id
        product_any = skill.product_id is None
        area_hit = bool(ticket.area) and skill.area == ticket.area
        score = (2 if product_hit else 1 if product_any else 0) + (2 if area_hit else 0)
        if not (product_hit or area_hit):
            score = 0
        if score > best:
            product_name = skill.product.name if skill.product else _("any product")
            best, reasons = score, [f"{product_name} / {skill.get_area_display()}"]
    return best, reasons


# --------------------------------------------------------------- canned replies, links, presence


def canned_reply_list(user: Any) -> QuerySet[CannedReply]:
    """Canned replies ``user`` may use: their own, those shared with all staff, and those
    shared with a service group they belong to. Nothing for anyone but staff."""
    if not is_staff_user(user):
        return CannedReply.objects.none()
    shared = Q(shared=True) & (Q(team__isnull=True) | Q(team__members=user))
    return (
        CannedReply.objects.filter(Q(owner=user) | shared)
        .distinct()
        .select_related("owner", "team", "set_assignee")
        .order_by("name", "id")
    )


def canned_reply_get_for(user: Any, pk: Any) -> CannedReply:
    number = parse_id(pk)
    if number is None:
        raise NotFound(_("Canned reply not found."))
    try:
        return canned_reply_list(user).get(pk=number)
    except (CannedReply.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Canned reply not found.")) from None


@dataclass(frozen=True)
class LinkView:
    """A link seen from one ticket: the other ticket and the relation read from this side."""

    link: TicketLink
    other: Ticket
    label: str


def link_views(user: Any, ticket: Ticket) -> list[LinkView]:
    """The ticket's links, each from this ticket's side, to tickets ``user`` may see (a
    customer never learns of another organization's ticket). One query."""
    visible = Ticket.objects.visible_to(user)
    links = (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .filter(Q(source__in=visible) & Q(target__in=visible))
        .select_related("source", "target")
        .order_by("created_at", "id")
    )
    views = []
    for link in links:
        outgoing = link.source_id == ticket.pk
        other = link.target if outgoing else link.source
        views.append(LinkView(link, other, link_label(link.kind, outgoing=outgoing)))
    return views


def link_label(kind: str, *, outgoing: bool) -> str:
    labels = {
        ("related", True): _("Related to"),
        ("related", False): _("Related to"),
        ("duplicate", True): _("Duplicate of"),
        ("duplicate", False): _("Has duplicate"),
        ("parent", True): _("Parent of"),
        ("parent", False): _("Child of"),
    }
    return str(labels.get((kind, outgoing), kind))


def link_get_for(user: Any, ticket: Ticket, pk: Any) -> TicketLink:
    for view in link_views(user, ticket):
        if view.link.pk == parse_id(pk):
            return view.link
    raise NotFound(_("Link not found."))


PRESENCE_SECONDS = 20  # a page beats every 5 s; three missed beats and the user is gone


def presence_others(ticket: Ticket, user: Any) -> list[TicketPresence]:
    """Other members of staff with the ticket open in the last few seconds, writers first."""
    since = timezone.now() - timedelta(seconds=PRESENCE_SECONDS)
    rows = (
        TicketPresence.objects.filter(ticket=ticket, seen_at__gte=since)
        .exclude(user=user)
        .select_related("user")
    )
    return sorted(rows, key=lambda p: (p.state != TicketPresence.REPLYING, p.user.username))


def replies_since(ticket: Ticket, user: Any, since: datetime) -> list[Comment]:
    """Replies and notes others added after ``since`` (when the page was opened)."""
    return list(
        ticket.comments.filter(created_at__gt=since)
        .exclude(author=user)
        .select_related("author")
        .order_by("created_at")[:10]
    )


def ticket_neighbour(user: Any, ticket: Ticket, *, older: bool) -> Ticket | None:
    """The open ticket just after (older) or before (newer) ``ticket`` in the queue's default
    order (newest first): one indexed range read."""
    qs = Ticket.objects.visible_to(user).filter(status__in=OPEN_STATUSES).only("id")
    key = (ticket.created_at, ticket.pk)
    if older:
        qs = qs.filter(Q(created_at__lt=key[0]) | Q(created_at=key[0], pk__lt=key[1])).order_by(
            "-created_at", "-id"
        )
    else:
        qs = qs.filter(Q(created_at__gt=key[0]) | Q(created_at=key[0], pk__gt=key[1])).order_by(
            "created_at", "id"
        )
    return qs.first()


# --------------------------------------------------------------------------- queue views

SAVED_VIEW_COUNT_CAP = 1000


def view_counts(user: Any, saved: list[Any] | None = None) -> dict[str, int]:
    """Ticket counts of ``user``'s default views (by key) and ``saved`` views (``saved-<id>``),
    in one round trip: one scalar ``count(*)`` subquery per view.

    The default views read open tickets only (index-only counts, tickets.queue_views); a saved
    view may filter on anything, so its count stops at ``SAVED_VIEW_COUNT_CAP`` (shown as
    "1000+"): never a count over the whole table per request (DESIGN.md section 6).
    """
    from .filters import TicketFilter
    from .queue_views import views_for

    now = timezone.now()
    base = Ticket.objects.visible_to(user).order_by()
    parts: list[tuple[str, QuerySet[Any]]] = [
        (view.key, base.filter(view.condition(user, now)).values("pk"))
        for view in views_for(user)
        if view.counted
    ]
    for item in saved or []:
        # The filter reads the user from a request (the "view" and organization filters).
        filterset = TicketFilter(item.params(), queryset=base, request=SimpleNamespace(user=user))
        qs = filterset.qs if filterset.is_valid() else base.none()
        parts.append((f"saved-{item.pk}", qs.order_by().values("pk")[:SAVED_VIEW_COUNT_CAP]))
    if not parts:
        return {}
    selects, params = [], []
    for index, (_key, qs) in enumerate(parts):
        try:
            sql, part_params = qs.query.sql_with_params()
        except EmptyResultSet:
            selects.append("0")
            continue
        selects.append(f"(SELECT count(*) FROM ({sql}) AS v{index})")  # noqa: S608 (compiled by the ORM)
        params += list(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(selects)}", params)  # noqa: S608
        row = cursor.fetchone()
    return {key: int(value) for (key, _qs), value in zip(parts, row, strict=True)}


def teams_with_membership(user: Any) -> list[tuple[int, str, bool]]:
    """Every service group by name, and whether ``user`` is a member: one query for the
    queue page's three service-group pickers (filter, bulk assignment, sharing a view)."""
    member = Exists(Team.members.through.objects.filter(team_id=OuterRef("pk"), user_id=user.pk))
    return list(
        Team.objects.order_by("name", "id")
        .annotate(member=member)
        .values_list("pk", "name", "member")
    )


def saved_views_for(user: Any) -> QuerySet[SavedView]:
    """``user``'s own views and those shared with a service group ``user`` belongs to."""
    return (
        SavedView.objects.filter(
            Q(owner_id=user.pk) | Q(team__in=Team.objects.filter(members=user).values("pk"))
        )
        .select_related("owner", "team")
        .order_by("name", "id")
    )


def inbound_held_list(user: Any, limit: int = 100) -> list[InboundMessage]:
    """Held mails, newest first (the partial index ``inbound_held``), for the staff who
    decide on them (the hotline roles: intake); the raw bytes stay in the database."""
    if not can_log_call(user):
        return []
    return list(
        InboundMessage.objects.filter(outcome=InboundOutcome.HELD)
        .select_related("organization", "contact")
        .defer("raw")
        .order_by("-received_at", "-id")[:limit]
    )


def inbound_message_get_for(user: Any, pk: Any) -> InboundMessage:
    if not can_log_call(user):
        raise NotFound(_("Mail not found."))
    ident = parse_id(pk)
    found = InboundMessage.objects.filter(pk=ident).first() if ident else None
    if found is None:
        raise NotFound(_("Mail not found."))
    return found
