"""Scope.for_user: what each role may see in reports."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from reports.metrics import collect
from reports.periods import Period, Scope
from servicedesk.choices import Role
from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from tests import factories as f

NOV = Period.month(2026, 11)


def test_customer_is_fixed_to_their_organization(desk):
    customer = f.CustomerFactory(organization=desk.org_a)
    scope = Scope.for_user(customer)
    assert (scope.organization, scope.audience) == (desk.org_a.pk, "customer")
    assert Scope.for_user(customer, organization=str(desk.org_a.pk)).organization == desk.org_a.pk
    with pytest.raises(NotFound):
        Scope.for_user(customer, organization=desk.org_b.pk)
    # another organization's engineer or team only narrows their own figures
    scope = Scope.for_user(customer, engineer=desk.eng_b.pk)
    assert collect(NOV, scope, sections=["volume"])["volume"]["received"] == 0


def test_engineer_sees_their_teams_only(desk):
    scope = Scope.for_user(desk.eng_a)
    assert (scope.teams, scope.audience) == ((desk.team_a.pk,), "staff")
    assert collect(NOV, scope, sections=["volume"])["volume"]["received"] == 2  # t1, t3
    with pytest.raises(NotAllowed):
        Scope.for_user(desk.eng_a, team=desk.team_b.pk)
    lead = f.UserFactory(role=Role.AGENT)
    desk.team_b.lead = lead
    desk.team_b.save()
    assert Scope.for_user(lead).teams == (desk.team_b.pk,)
    nobody = f.UserFactory(role=Role.TESTER)
    assert collect(NOV, Scope.for_user(nobody), sections=["volume"])["volume"]["received"] == 0


def test_granted_staff_and_managers_see_everything(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    assert Scope.for_user(manager).teams is None
    assert Scope.for_user(manager, team=desk.team_b.pk).team == desk.team_b.pk
    desk.eng_a.user_permissions.add(Permission.objects.get(codename="view_all_metrics"))
    granted = type(desk.eng_a).objects.get(pk=desk.eng_a.pk)  # fresh permission cache
    assert Scope.for_user(granted).teams is None


def test_anonymous_and_inactive_get_not_found(desk):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        Scope.for_user(AnonymousUser())
    desk.eng_a.is_active = False
    with pytest.raises(NotFound):
        Scope.for_user(desk.eng_a)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"organization": "abc"}, "organization"),
        ({"team": "-3"}, "team"),
        ({"engineer": "99999999999"}, "engineer"),
        ({"severity": "L9"}, "severity"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_bad_scope_parameters(db, params, field):
    with pytest.raises(ValidationFailed) as caught:
        Scope.from_params(params)
    assert field in caught.value.fields
