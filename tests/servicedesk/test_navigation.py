"""The navigation shows each role only what it may use (a link that answers 403 is noise)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from servicedesk.management.commands.seed_demo import manager_group
from tests import factories as f


def nav(client, user) -> str:
    client.force_login(user)
    page = client.get("/staff/")
    assert page.status_code == 200
    html = page.content.decode()
    return html[html.index('class="mainnav"') : html.index("</nav>")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"), [("agent", True), ("manager", True), ("engineer", False), ("tester", False)]
)
def test_log_a_call_only_for_those_who_may(client, role, shown):
    user = f.UserFactory(username=f"nav-{role}", role=role)
    assert ("Log a call" in nav(client, user)) is shown
    hotline = client.get("/staff/hotline/")
    assert (hotline.status_code == 200) is shown


@pytest.mark.django_db
def test_administration_only_when_the_admin_has_something_to_show(client):
    manager = f.UserFactory(username="nav-manager", role="manager", is_staff=True)
    assert "Administration" not in nav(client, manager)
    manager.user_permissions.add(Permission.objects.get(codename="view_organization"))
    manager = type(manager).objects.get(pk=manager.pk)  # permissions are cached per object
    assert "Administration" in nav(client, manager)
    admin_index = client.get("/admin/")
    assert "Customer organizations" in admin_index.content.decode()


@pytest.mark.django_db
def test_the_demo_managers_group_edits_the_directory_and_reads_the_rest(client):
    group = manager_group()
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_organization", "add_contract", "view_ticket", "view_outboxmessage"} <= codenames
    assert "delete_organization" not in codenames and "change_ticket" not in codenames
    manager = f.UserFactory(username="nav-demo-manager", role="manager", is_staff=True)
    manager.groups.add(group)
    assert "Administration" in nav(client, manager)
