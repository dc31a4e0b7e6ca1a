"""Every change to the knowledge base: create (or draft from a resolved ticket), edit, move
through the lifecycle, vote, record a deflection.

Each function checks the role rules, locks the article row it changes
(``select_for_update``), writes, and records an ``ArticleEvent`` (who, what, when) in one
transaction. Feedback and deflections change the article's counters under the same lock,
so two votes never lose an increment. Only one row is locked per call: no lock order to keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from servicedesk.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import Product, User
from servicedesk.permissions import can_draft, can_engineer, is_customer_user, is_staff_user
from tickets.choices import TicketStatus
from tickets.models import Ticket

from . import postgres, workflow
from .choices import ArticleStatus, Audience, EventKind
from .models import Article, ArticleEvent, ArticleFeedback, ArticleSearch, Deflection
from .selectors import article_get_for

TEXT_LIMITS = {"title": 200, "problem": 20_000, "cause": 20_000, "solution": 20_000, "tags": 200}
REQUIRED = ("title", "problem", "solution")
EDITABLE_FIELDS = (*TEXT_LIMITS, "language", "audience", "products", "translation_of")
LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
DRAFT_FROM = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


def _require_author(actor: User) -> None:
    if not can_draft(actor):
        raise NotAllowed(_("Only agents, engineers and managers write articles."))


def roles_of(actor: User) -> frozenset[str]:
    roles = set()
    if can_draft(actor):
        roles.add(workflow.AUTHOR)
    if can_engineer(actor):
        roles.add(workflow.REVIEWER)
    return frozenset(roles)


def normalize_tags(tags: str) -> str:
    """Tags as typed (commas, Chinese commas or spaces between) as ``a, b, c``: unique, in
    order."""
    words = (tags or "").replace("，", ",").replace("、", ",").replace(",", " ").split()
    return ", ".join(dict.fromkeys(words))


def search_text(article: Article) -> str:
    parts = (article.title, article.problem, article.cause, article.solution, article.tags)
    return "\n".join(parts).lower()


def _index(article: Article) -> None:
    article.search_text = search_text(article)


def _reindex(article: Article) -> None:
    """Rewrite the article's search row (PostgreSQL; SQLite scans ``search_text``): after
    every change to its text, status, audience or products, in the same transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            postgres.search_rows_write(cursor, [article.pk])


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Text trimmed and bounded, language and audience known; every error named at its field."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, limit in TEXT_LIMITS.items():
        if name not in values:
            continue
        text = (values[name] or "").replace("\r\n", "\n").strip()
        if name == "tags":
            text = normalize_tags(text)
        if len(text) > limit:
            errors[name] = [_("At most %(limit)d characters.") % {"limit": limit}]
        elif not text and name in REQUIRED:
            errors[name] = [_("This field is required.")]
        cleaned[name] = text
    if "language" in values and values["language"] not in LANGUAGE_CODES:
        errors["language"] = [_("Unknown language.")]
    if "audience" in values and values["audience"] not in Audience.values:
        errors["audience"] = [_("Unknown audience.")]
    for name in ("language", "audience", "products", "translation_of"):
        if name in values:
            cleaned[name] = values[name]
    if errors:
        raise ValidationFailed(_("Please correct the article."), fields=errors)
    return cleaned


def _check_translation(original: Article | None, language: str, own: Article | None) -> None:
    if original is None:
        return
    if own is not None and original.pk == own.pk:
        raise ValidationFailed(
            _("An article cannot be a translation of itself."),
            fields={"translation_of": [_("Choose another article.")]},
        )
    if original.translation_of_id is not None:
        raise ValidationFailed(
            _("Link a translation to the original article, not to another translation."),
            fields={"translation_of": [_("This article is itself a translation.")]},
        )
    clash = Article.objects.filter(translation_of=original, language=language)
    if own is not None:
        clash = clash.exclude(pk=own.pk)
    if original.language == language or clash.exists():
        raise ValidationFailed(
            _("This article already has a version in that language."),
            fields={"language": [_("A version in this language exists.")]},
        )


def _event(article: Article, actor: User, kind: str, **data: Any) -> ArticleEvent:
    return ArticleEvent.objects.create(article=article, actor=actor, kind=kind, data=data)


def article_create(
    *,
    actor: User,
    title: str,
    problem: str,
    solution: str,
    cause: str = "",
    tags: str = "",
    language: str | None = None,
    audience: str = Audience.INTERNAL,
    products: Iterable[Product] = (),
    translation_of: Article | None = None,
    source_ticket: Ticket | None = None,
) -> Article:
    """A new draft (staff who may draft). Language defaults to the one in use."""
    _require_author(actor)
    values = _clean(
        {
            "title": title,
            "problem": problem,
            "cause": cause,
            "solution": solution,
            "tags": tags,
            "language": language or _active_language(),
            "audience": audience,
        }
    )
    products = list(products)
    with transaction.atomic():
        _check_translation(translation_of, values["language"], None)
        now = timezone.now()
        article = Article(
            **values,
            translation_of=translation_of,
            source_ticket=source_ticket,
            author=actor,
            created_at=now,
            updated_at=now,
        )
        _index(article)
        article.save()
        article.products.set(products)
        _reindex(article)
        _event(
            article,
            actor,
            EventKind.CREATED,
            title=article.title,
            language=article.language,
            ticket=source_ticket.number if source_ticket else None,
        )
    return article


def _active_language() -> str:
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    return language if language in LANGUAGE_CODES else LANGUAGE_CODES[0]


def article_draft_from_ticket(ticket: Ticket, *, actor: User) -> Article:
    """One click on a resolved (or closed) ticket: a draft with its facts filled in (title,
    phenomenon as the problem, resolution as the solution, its product), internal until a
    reviewer decides, in the language in use."""
    _require_author(actor)
    try:
        ticket = Ticket.objects.visible_to(actor).select_related("product").get(pk=ticket.pk)
    except Ticket.DoesNotExist:
        raise NotFound(_("Ticket not found.")) from None
    if ticket.status not in DRAFT_FROM:
        raise Conflict(
            _("Only a resolved or closed ticket can become an article."), code="ticket_not_resolved"
        )
    return article_create(
        actor=actor,
        title=ticket.title,
        problem=ticket.description or ticket.title,
        solution=ticket.resolution or _("(describe the solution)"),
        audience=Audience.INTERNAL,
        products=[ticket.product] if ticket.product else [],
        source_ticket=ticket,
    )


def _lock(article: Article, actor: User) -> Article:
    """The article row, locked, if ``actor`` may read it (a second check behind the views)."""
    visible = article_get_for(actor, article.pk)
    return Article.objects.select_for_update().get(pk=visible.pk)


def _shown(value: Any) -> Any:
    if isinstance(value, Article):
        return value.pk
    return value


def article_update(article: Article, *, actor: User, changes: Mapping[str, Any]) -> Article:
    """Edit a draft or an article in review (a published one goes back to draft first).
    ``changes`` may hold any of EDITABLE_FIELDS; ``products`` is the full new list. An edit
    that changes nothing writes no event."""
    _require_author(actor)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Unknown fields: %(names)s.") % {"names": ", ".join(unknown)},
            fields={name: [_("Unknown field.")] for name in unknown},
        )
    values = _clean(changes)
    with transaction.atomic():
        locked = _lock(article, actor)
        if locked.status not in workflow.EDITABLE:
            raise Conflict(
                _("A “%(status)s” article cannot be edited; move it back to draft first.")
                % {"status": ArticleStatus(locked.status).label},
                code="article_not_editable",
            )
        if "translation_of" in values or "language" in values:
            _check_translation(
                values.get("translation_of", locked.translation_of),
                values.get("language", locked.language),
                locked,
            )
        diff: dict[str, Any] = {}
        products = values.pop("products", None)
        for name, value in values.items():
            old = getattr(locked, name)
            if old != value:
                diff[name] = [_shown(old), _shown(value)]
                setattr(locked, name, value)
        if products is not None:
            old_ids = sorted(locked.products.values_list("pk", flat=True))
            new_ids = sorted({p.pk for p in products})
            if old_ids != new_ids:
                diff["products"] = [old_ids, new_ids]
                locked.products.set(new_ids)
        if diff:
            _index(locked)
            locked.updated_at = timezone.now()
            locked.save()
            _reindex(locked)
            _event(locked, actor, EventKind.UPDATED, **diff)
    return locked


def article_transition(article: Article, *, actor: User, to_status: str, note: str = "") -> Article:
    """Move an article along workflow.ALLOWED_TRANSITIONS (409 with the allowed targets if
    the step does not exist, 403 if the actor's role may not take it)."""
    _require_author(actor)
    if len(note or "") > 1000:
        raise ValidationFailed(
            _("At most %(limit)d characters.") % {"limit": 1000},
            fields={"note": [_("Too long.")]},
        )
    with transaction.atomic():
        locked = _lock(article, actor)
        workflow.assert_can_transition(locked.status, to_status, roles_of(actor))
        old = locked.status
        locked.status = to_status
        locked.updated_at = timezone.now()
        if to_status == ArticleStatus.PUBLISHED:
            locked.published_at = locked.updated_at
        locked.save(update_fields=["status", "updated_at", "published_at"])
        _reindex(locked)
        _event(locked, actor, EventKind.TRANSITIONED, old=old, new=to_status, note=note.strip())
    return locked


def _require_published(article: Article) -> None:
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict(_("Only a published article takes feedback."), code="article_not_published")


def article_feedback(article: Article, *, actor: User, helpful: bool) -> Article:
    """Record the reader's vote (once per reader: voting again replaces the vote)."""
    if not (is_staff_user(actor) or is_customer_user(actor)):
        raise NotFound(_("Article not found."))
    with transaction.atomic():
        locked = _lock(article, actor)
        _require_published(locked)
        vote = ArticleFeedback.objects.filter(article=locked, user=actor).first()
        if vote is not None and vote.helpful == helpful:
            return locked
        counters: dict[str, Any] = {}
        if vote is not None:
            old = "helpful_count" if vote.helpful else "not_helpful_count"
            counters[old] = F(old) - 1
            vote.helpful = helpful
            vote.created_at = timezone.now()
            vote.save(update_fields=["helpful", "created_at"])
        else:
            ArticleFeedback.objects.create(article=locked, user=actor, helpful=helpful)
        new = "helpful_count" if helpful else "not_helpful_count"
        counters[new] = F(new) + 1
        Article.objects.filter(pk=locked.pk).update(**counters)
        locked.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
        ArticleSearch.objects.filter(pk=locked.pk).update(helpful_count=locked.helpful_count)
    return locked


DEFLECTION_KEY_LIMIT = 64


def deflection_record(
    article: Article, *, actor: User, query: str = "", key: str = ""
) -> tuple[Deflection, bool]:
    """ "This solved my problem" on the new-request form (portal or API): no ticket is
    created; the article counts one request avoided. Customers only (staff do not submit
    requests). Counted once per article, customer and ``key`` (the portal's session key, an
    API client's draft key): pressing it again for the same request returns the first
    deflection and ``False``; an empty key counts every time. The article's row lock orders
    two presses of the same key, and the unique constraint stands behind it."""
    if not is_customer_user(actor):
        raise NotAllowed(_("Only customers record that an article solved their problem."))
    key = (key or "").strip()
    if len(key) > DEFLECTION_KEY_LIMIT:
        message = _("At most %(limit)d characters.") % {"limit": DEFLECTION_KEY_LIMIT}
        raise ValidationFailed(message, fields={"draft": [message]})
    with transaction.atomic():
        locked = _lock(article, actor)
        _require_published(locked)
        if key:
            earlier = Deflection.objects.filter(article=locked, user=actor, key=key).first()
            if earlier is not None:
                return earlier, False
        deflection = Deflection.objects.create(
            article=locked,
            user=actor,
            organization_id=actor.organization_id,
            query=(query or "").strip()[:200],
            key=key,
        )
        Article.objects.filter(pk=locked.pk).update(deflection_count=F("deflection_count") + 1)
    return deflection, True
