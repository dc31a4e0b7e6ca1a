"""The header's badges are read together, in one query (servicedesk/badges.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk import badges
from servicedesk.models import Organization
from servicedesk.notifications import UNREAD_CAP, unread_count
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_badge_in_one_query_with_the_counts_each_gives(monkeypatch, agent):
    f.OrganizationFactory.create_batch(3)
    monkeypatch.setattr(
        badges,
        "_SOURCES",
        {
            "organizations": lambda user: Organization.objects.all(),
            "capped": lambda user: Organization.objects.values_list("id", flat=True)[:2],
            "none": lambda user: None,
        },
    )
    header = badges.Badges(agent)
    with CaptureQueriesContext(connection) as ctx:
        counts = [header.get(name) for name in ("organizations", "capped", "none", "other")]
    assert len(ctx.captured_queries) == 1
    assert counts == [Organization.objects.count(), 2, None, None]


def test_the_unread_badge_counts_what_unread_count_counts(agent):
    from servicedesk.models import Notification

    Notification.objects.bulk_create(
        Notification(user=agent, topic="t", subject=f"n{i}") for i in range(UNREAD_CAP + 3)
    )
    assert badges.Badges(agent).get("unread") == unread_count(agent) == UNREAD_CAP
    assert badges.Badges(f.UserFactory()).get("unread") == 0
