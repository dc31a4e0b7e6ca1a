"""Reads of surveys: campaigns for managers, their results, the invitation behind a link,
and the response rates the reports read."""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk.errors import NotFound
from servicedesk.models import Organization
from servicedesk.permissions import is_manager

from .models import SurveyCampaign, SurveyInvitation, SurveyKind


class PeriodLike(Protocol):
    start: Any
    end: Any


class ScopeLike(Protocol):
    organization: int | None


def campaigns(user: Any) -> QuerySet[SurveyCampaign]:
    """Managers see every campaign; nobody else sees any (customers never see results)."""
    if not is_manager(user):
        return SurveyCampaign.objects.none()
    return (
        SurveyCampaign.objects.select_related("created_by")
        .prefetch_related("organizations")
        .order_by("-created_at", "-id")
    )


def organizations_with_policy(user: Any) -> list[dict[str, Any]]:
    """Every active organization with its own random-survey share (None: the default);
    managers only, one query."""
    if not is_manager(user):
        return []
    return [
        dict(row)
        for row in Organization.objects.filter(is_active=True)
        .order_by("name")
        .values("pk", "name", "survey_policy__random_percent")
    ]


def campaign_get(user: Any, pk: Any) -> SurveyCampaign:
    try:
        return campaigns(user).get(pk=int(pk))
    except (SurveyCampaign.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Survey campaign not found.")) from None


def campaign_results(campaign: SurveyCampaign) -> dict[str, Any]:
    """Invited, answered, reminded, the response rate and each question's average, in one
    aggregate query."""
    row = SurveyInvitation.objects.filter(campaign=campaign).aggregate(
        invited=Count("pk"),
        answered=Count("pk", filter=Q(used_at__isnull=False)),
        reminded=Count("pk", filter=Q(reminded_at__isnull=False)),
        overall=Avg("response__overall"),
        responsiveness=Avg("response__responsiveness"),
        professionalism=Avg("response__professionalism"),
    )
    return {
        "invited": row["invited"],
        "answered": row["answered"],
        "reminded": row["reminded"],
        "response_percent": _rate(row["answered"], row["invited"]),
        "averages": {
            key: None if row[key] is None else round(row[key], 2)
            for key in ("overall", "responsiveness", "professionalism")
        },
    }


def campaign_comments(campaign: SurveyCampaign, limit: int = 50) -> list[dict[str, Any]]:
    """The latest free-text answers with their organization (one query)."""
    return [
        dict(row)
        for row in SurveyInvitation.objects.filter(campaign=campaign, response__isnull=False)
        .exclude(response__comment="")
        .order_by("-response__created_at")
        .values("organization__name", "response__overall", "response__comment")[:limit]
    ]


def survey_response_rates(period: PeriodLike, scope: ScopeLike) -> dict[str, dict[str, Any]]:
    """Per survey type (per case, random, campaign): invitations sent in the period, how
    many were answered, the response rate; limited to the scope's organization when it
    names one. One query. For the reports (docs/SURVEYS.md)."""
    rows = SurveyInvitation.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    organization = getattr(scope, "organization", None)
    if organization is not None:
        rows = rows.filter(organization_id=organization)
    aggregates: dict[str, Any] = {}
    for kind in SurveyKind.values:
        aggregates[f"{kind}_invited"] = Count("pk", filter=Q(kind=kind))
        aggregates[f"{kind}_answered"] = Count("pk", filter=Q(kind=kind, used_at__isnull=False))
    row = rows.aggregate(**aggregates)
    return {
        kind: {
            "invited": row[f"{kind}_invited"],
            "answered": row[f"{kind}_answered"],
            "response_percent": _rate(row[f"{kind}_answered"], row[f"{kind}_invited"]),
        }
        for kind in SurveyKind.values
    }


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None
