"""Releases and patches: services, selectors, the portal downloads, the staff releases page and
the API, each as anonymous, covered customer, uncovered customer, agent, engineer, manager."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from releases import selectors, services
from releases.models import Installation, Patch, ReleaseEvent
from servicedesk.choices import Role
from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
PAYLOAD = b"PK\x03\x04 billing 3.3 patch payload"


def _upload(name: str = "billing-3.3.zip", content: bytes = PAYLOAD) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/zip")


def _stored_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "patches"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def released(product):
    """Billing 3.3, released ten days ago, with notes (covered for both organizations)."""
    return f.ProductVersionFactory(
        product=product,
        version="3.3",
        released_on=TODAY() - dt.timedelta(days=10),
        notes="Fixes blank second invoice page.\nFaster month-end export.",
    )


@pytest.fixture
def older(product):
    return f.ProductVersionFactory(
        product=product, version="3.1", released_on=TODAY() - dt.timedelta(days=200)
    )


@pytest.fixture
def payroll(org, contract):
    """A product only the customer's organization is covered for, with a released version."""
    product = f.ProductFactory(name="Payroll", code="payroll")
    contract.products.add(product)
    return f.ProductVersionFactory(
        product=product, version="7.0", released_on=TODAY() - dt.timedelta(days=3)
    )


@pytest.fixture
def patched(released, engineer):
    return services.patch_upload(released, actor=engineer, upload=_upload())


@pytest.fixture
def payroll_patch(payroll, engineer):
    return services.patch_upload(payroll, actor=engineer, upload=_upload("payroll-7.0.tar.gz"))


@pytest.fixture
def admin_user(db):
    return f.UserFactory(username="admin", role=Role.ADMIN)


def _user(request, role: str):
    return None if role == "anonymous" else request.getfixturevalue(role)


# --------------------------------------------------------------------------- services


def test_upload_stores_under_a_generated_name_with_size_and_sha256(released, engineer, settings):
    patch = services.patch_upload(released, actor=engineer, upload=_upload())
    assert patch.original_name == "billing-3.3.zip"
    assert patch.size == len(PAYLOAD)
    assert patch.sha256 == hashlib.sha256(PAYLOAD).hexdigest()
    assert patch.uploaded_by == engineer
    assert patch.file.name.startswith("patches/") and patch.file.name.endswith(".zip")
    assert "billing" not in patch.file.name
    assert [p.read_bytes() for p in _stored_files(settings)] == [PAYLOAD]
    event = ReleaseEvent.objects.get()
    assert (event.kind, event.actor, event.version) == ("patch_uploaded", engineer, released)
    assert event.data["sha256"] == patch.sha256 and event.data["replaced"] is None


def test_a_large_temporary_upload_is_hashed_while_stored(released, engineer, settings):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE Django keeps uploads in a temporary file; the storage
    must still read it through the hashing wrapper (not move it unread)."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    content = b"x" * (3 * 1024 * 1024)
    upload = TemporaryUploadedFile("big.7z", "application/octet-stream", len(content), None)
    upload.write(content)
    upload.seek(0)
    patch = services.patch_upload(released, actor=engineer, upload=upload)
    assert patch.size == len(content)
    assert patch.sha256 == hashlib.sha256(content).hexdigest()
    assert _stored_files(settings)[0].read_bytes() == content


def test_replacing_keeps_one_row_and_deletes_the_old_file_on_commit(
    patched, released, manager, settings, django_capture_on_commit_callbacks
):
    old_file = Path(settings.MEDIA_ROOT) / patched.file.name
    with django_capture_on_commit_callbacks(execute=True):
        new = services.patch_upload(released, actor=manager, upload=_upload("b-3.3.7z", b"new"))
    assert Patch.objects.get() == new and new.pk == patched.pk
    assert (new.original_name, new.size, new.uploaded_by) == ("b-3.3.7z", 3, manager)
    assert not old_file.exists()
    assert [p.read_bytes() for p in _stored_files(settings)] == [b"new"]
    event = ReleaseEvent.objects.order_by("id").last()
    assert event.kind == "patch_replaced"
    assert event.data["replaced"] == {
        "name": "billing-3.3.zip",
        "sha256": patched.sha256,
        "size": len(PAYLOAD),
    }


def test_a_failed_replacement_keeps_the_old_patch_and_removes_the_new_file(
    patched, released, engineer, settings
):
    old_file = Path(settings.MEDIA_ROOT) / patched.file.name
    with (
        mock.patch.object(ReleaseEvent.objects, "create", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        services.patch_upload(released, actor=engineer, upload=_upload("c.zip", b"other"))
    patched.refresh_from_db()
    assert patched.original_name == "billing-3.3.zip"
    assert old_file.exists() and _stored_files(settings) == [old_file]


@pytest.mark.parametrize(
    "name", ["notes.html", "image.svg", "run.bat", "archive.gz", "archive.tar", ".zip", "noext"]
)
def test_upload_refuses_other_types(released, engineer, name, settings):
    with pytest.raises(ValidationFailed) as caught:
        services.patch_upload(released, actor=engineer, upload=_upload(name))
    assert caught.value.code == "patch_type" and "file" in caught.value.fields
    assert "not accepted" in str(caught.value.message)
    assert not Patch.objects.exists() and not _stored_files(settings)


@pytest.mark.parametrize(
    "name", ["p.tar.gz", "P.TGZ", "setup.exe", "upgrade.msi", "fix.sql", "app.war", "a.patch"]
)
def test_upload_accepts_the_allow_list_case_insensitively(released, engineer, name):
    assert services.patch_upload(released, actor=engineer, upload=_upload(name)).size


def test_upload_refuses_files_over_the_limit_and_empty_ones(released, engineer, settings):
    settings.PATCH_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as caught:
        services.patch_upload(released, actor=engineer, upload=_upload(content=b"x" * 11))
    assert caught.value.code == "patch_too_large" and "larger than" in str(caught.value.message)
    with pytest.raises(ValidationFailed) as caught:
        services.patch_upload(released, actor=engineer, upload=_upload(content=b""))
    assert caught.value.code == "patch_empty"
    assert not Patch.objects.exists() and not _stored_files(settings)


def test_a_declared_size_that_lies_is_caught_while_storing(released, engineer, settings):
    settings.PATCH_MAX_BYTES = 10
    upload = _upload(content=b"x" * 50)
    upload.size = 5
    with pytest.raises(ValidationFailed) as caught:
        services.patch_upload(released, actor=engineer, upload=upload)
    assert caught.value.code == "patch_too_large"
    assert not Patch.objects.exists() and not _stored_files(settings)


def test_file_names_lose_paths_and_control_characters():
    assert services.clean_file_name("..\\..\\evil\r\nname.zip") == "evilname.zip"
    assert services.clean_file_name("/tmp/x/fix.tar.gz") == "fix.tar.gz"
    long = services.clean_file_name("a" * 300 + ".tar.gz")
    assert len(long) == 200 and long.endswith(".tar.gz")


@pytest.mark.parametrize(
    ("role", "error"),
    [("customer", NotFound), ("other_customer", NotFound), ("agent", NotAllowed)]
    + [("tester", NotAllowed)],
)
def test_only_engineers_managers_admins_upload_or_edit_notes(request, released, role, error):
    user = request.getfixturevalue(role)
    with pytest.raises(error):
        services.patch_upload(released, actor=user, upload=_upload())
    with pytest.raises(error):
        services.release_notes_update(released, actor=user, notes="x")
    assert not Patch.objects.exists() and not ReleaseEvent.objects.exists()


def test_managers_and_admins_upload(released, manager, admin_user):
    services.patch_upload(released, actor=manager, upload=_upload())
    services.patch_upload(released, actor=admin_user, upload=_upload())
    assert Patch.objects.get().uploaded_by == admin_user


def test_release_notes_and_date_are_edited_and_audited(version, engineer):
    day = TODAY() - dt.timedelta(days=1)
    services.release_notes_update(
        version, actor=engineer, notes="  New export.\r\n", released_on=day
    )
    version.refresh_from_db()
    assert (version.notes, version.released_on) == ("New export.", day)
    event = ReleaseEvent.objects.get()
    assert event.kind == "notes_updated"
    assert event.data == {"notes": ["", "New export."], "released_on": [None, day.isoformat()]}
    services.release_notes_update(version, actor=engineer, notes="New export.")  # no change
    assert ReleaseEvent.objects.count() == 1
    with pytest.raises(ValidationFailed):
        services.release_notes_update(version, actor=engineer, notes="x" * 20_001)


def test_installation_is_recorded_once_per_contract_and_product(
    contract, version, released, agent, engineer
):
    first = services.installation_record(
        contract, actor=agent, version=version, installed_on=TODAY() - dt.timedelta(days=90)
    )
    second = services.installation_record(contract, actor=engineer, version=released)
    assert Installation.objects.get() == second and second.pk == first.pk
    assert second.version == released and second.installed_on is None
    kinds = list(ReleaseEvent.objects.values_list("kind", "data__old_version", "data__new_version"))
    assert kinds == [
        ("installation_recorded", None, "3.2"),
        ("installation_recorded", "3.2", "3.3"),
    ]
    assert ReleaseEvent.objects.last().contract == contract


def test_installation_needs_a_covered_product_and_a_past_date(contract, payroll, agent):
    uncovered = f.ProductVersionFactory(version="9.9")
    with pytest.raises(ValidationFailed) as caught:
        services.installation_record(contract, actor=agent, version=uncovered)
    assert "version" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.installation_record(
            contract, actor=agent, version=payroll, installed_on=TODAY() + dt.timedelta(days=1)
        )
    assert "installed_on" in caught.value.fields
    assert not Installation.objects.exists()


@pytest.mark.parametrize(("role", "error"), [("customer", NotFound), ("tester", NotAllowed)])
def test_customers_and_testers_record_no_installations(request, contract, version, role, error):
    with pytest.raises(error):
        services.installation_record(contract, actor=request.getfixturevalue(role), version=version)


# --------------------------------------------------------------------------- selectors


def test_customers_see_covered_released_versions_only(
    customer, other_customer, engineer, version, released, older, payroll, product
):
    f.ProductVersionFactory(product=product, version="4.0", released_on=TODAY() + dt.timedelta(1))
    f.ProductVersionFactory(version="1.0", released_on=TODAY())  # a product nobody covers
    assert list(selectors.releases_for(customer)) == [released, older, payroll]
    assert list(selectors.releases_for(other_customer)) == [released, older]
    assert selectors.releases_for(engineer).count() == 6
    assert list(selectors.covered_products(other_customer)) == [product]


def test_an_expired_contract_covers_nothing(released):
    org = f.OrganizationFactory()
    f.ContractFactory(
        organization=org,
        products=[released.product],
        starts_on=TODAY() - dt.timedelta(days=400),
        ends_on=TODAY() - dt.timedelta(days=1),
    )
    lapsed = f.CustomerFactory(organization=org)
    assert not selectors.releases_for(lapsed).exists()
    with pytest.raises(NotFound):
        selectors.version_get_for(lapsed, released.pk)


def test_version_and_patch_lookups_are_404_outside_visibility(
    customer, other_customer, payroll, released, patched
):
    assert selectors.patch_get_for(customer, released.pk) == patched
    for user, pk in [(other_customer, payroll.pk), (customer, 10**9), (customer, "x")]:
        with pytest.raises(NotFound):
            selectors.version_get_for(user, pk)
    with pytest.raises(NotFound):
        selectors.patch_get_for(customer, payroll.pk)  # visible, but no patch


def test_installations_filter_and_are_staff_only(
    contract, other_contract, version, agent, customer
):
    services.installation_record(contract, actor=agent, version=version)
    services.installation_record(other_contract, actor=agent, version=version)
    assert selectors.installations(agent).count() == 2
    assert list(selectors.installations(agent, {"organization": contract.organization_id})) == [
        Installation.objects.get(contract=contract)
    ]
    assert selectors.installations(agent, {"product": "", "version": version.pk}).count() == 2
    assert not selectors.installations(customer).exists()


# --------------------------------------------------------------------------- portal


DOWNLOADS = "/portal/downloads/"


def test_downloads_page_needs_sign_in(client):
    response = client.get(DOWNLOADS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_downloads_page_lists_covered_versions_newest_first(
    client, customer, released, older, patched, payroll, version
):
    client.force_login(customer)
    response = client.get(DOWNLOADS)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Version 3.3") < html.index("Version 3.1")
    assert "Version 3.2" not in html  # no release date: not published
    assert "Payroll" in html and "Version 7.0" in html
    assert "Fixes blank second invoice page.<br>Faster month-end export." in html
    assert reverse("downloads:patch", kwargs={"version_id": released.pk}) in html
    assert patched.sha256 in html and "Download billing-3.3.zip" in html
    assert "No download for this version." in html  # 3.1 and 7.0 have none
    assert 'href="/portal/downloads/"' in html  # the navigation link


def test_downloads_page_shows_only_the_callers_coverage(client, other_customer, payroll, released):
    client.force_login(other_customer)
    html = client.get(DOWNLOADS).content.decode()
    assert "Version 3.3" in html and "Payroll" not in html


def test_downloads_page_without_coverage_says_so(client, released):
    client.force_login(f.CustomerFactory())
    response = client.get(DOWNLOADS)
    assert response.status_code == 200
    assert "no current service contract" in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "engineer", "manager"])
def test_staff_opening_downloads_go_to_the_releases_page(request, client, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get(DOWNLOADS)
    assert response.status_code == 302 and response["Location"] == "/staff/releases/"


def _assert_download(response, content: bytes, name: str) -> None:
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
    assert response["Repr-Digest"] == f"sha-256=:{digest}:"
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("role", ["customer", "other_customer", "agent", "engineer", "manager"])
def test_portal_download_for_the_covered_and_staff(request, client, role, patched, released):
    client.force_login(request.getfixturevalue(role))
    response = client.get(f"/portal/downloads/{released.pk}/patch")
    _assert_download(response, PAYLOAD, "billing-3.3.zip")


def test_portal_download_is_404_without_coverage_release_or_patch(
    client, other_customer, customer, payroll_patch, payroll, engineer, version, released
):
    client.force_login(other_customer)
    assert client.get(f"/portal/downloads/{payroll.pk}/patch").status_code == 404
    services.patch_upload(version, actor=engineer, upload=_upload())  # 3.2: no release date
    client.force_login(customer)
    assert client.get(f"/portal/downloads/{version.pk}/patch").status_code == 404
    assert client.get(f"/portal/downloads/{released.pk}/patch").status_code == 404  # no patch
    assert client.get("/portal/downloads/999999/patch").status_code == 404


def test_portal_download_needs_sign_in(client, patched, released):
    response = client.get(f"/portal/downloads/{released.pk}/patch")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_downloads_page_query_count_is_constant(client, customer, product, engineer):
    def add(n: int) -> None:
        for _ in range(n):
            v = f.ProductVersionFactory(product=product, released_on=TODAY())
            services.patch_upload(v, actor=engineer, upload=_upload())
            extra = f.ProductFactory()
            customer.organization.contracts.first().products.add(extra)
            f.ProductVersionFactory(product=extra, released_on=TODAY())

    client.force_login(customer)
    add(2)
    few = _queries(client, DOWNLOADS)
    add(6)
    assert _queries(client, DOWNLOADS) == few


# --------------------------------------------------------------------------- staff pages


STAFF = "/staff/releases/"


def test_releases_page_needs_sign_in_and_staff(client, customer):
    response = client.get(STAFF)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(customer)
    assert client.get(STAFF).status_code == 403


@pytest.mark.parametrize(
    ("role", "upload", "record"),
    [
        ("agent", False, True),
        ("tester", False, False),
        ("engineer", True, True),
        ("manager", True, True),
        ("admin_user", True, True),
    ],
)
def test_releases_page_per_role(
    request, client, role, upload, record, patched, released, version, contract
):
    services.installation_record(contract, actor=request.getfixturevalue("agent"), version=version)
    client.force_login(request.getfixturevalue(role))
    response = client.get(STAFF)
    assert response.status_code == 200
    html = response.content.decode()
    assert "billing-3.3.zip" in html and patched.sha256 in html
    assert "not released" in html  # 3.2 has no date
    assert "Acme Power" in html and "newest: 3.3" in html  # the customer runs 3.2
    assert (f'action="/staff/releases/{released.pk}/patch"' in html) is upload
    assert ('action="/staff/releases/installations"' in html) is record
    assert 'href="/staff/releases/"' in html  # the navigation link


def test_releases_page_filters_installations(client, agent, contract, other_contract, version):
    services.installation_record(contract, actor=agent, version=version)
    services.installation_record(other_contract, actor=agent, version=version)
    client.force_login(agent)
    html = client.get(STAFF, {"organization": other_contract.organization_id}).content.decode()
    assert "Other Bank" in html and "Acme Power</td>" not in html
    response = client.get(STAFF, {"organization": 999999})
    assert response.status_code == 400
    assert "Unknown customer or product" in response.content.decode()


def test_releases_page_query_count_is_constant(client, manager, agent, engineer):
    def add(n: int) -> None:
        for _ in range(n):
            v = f.ProductVersionFactory(released_on=TODAY())
            services.patch_upload(v, actor=engineer, upload=_upload())
            c = f.ContractFactory(products=[v.product])
            services.installation_record(c, actor=agent, version=v)

    client.force_login(manager)
    add(2)
    few = _queries(client, STAFF)
    add(5)
    assert _queries(client, STAFF) == few


def test_engineer_uploads_and_replaces_a_patch_on_the_page(client, engineer, released, settings):
    client.force_login(engineer)
    url = f"/staff/releases/{released.pk}/patch"
    response = client.post(url, {"file": _upload()})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/releases/#version-{released.pk}"
    assert Patch.objects.get(version=released).original_name == "billing-3.3.zip"
    client.post(url, {"file": _upload("billing-3.3.1.zip", b"second")})
    assert Patch.objects.get().original_name == "billing-3.3.1.zip"
    _assert_download(client.get(url), b"second", "billing-3.3.1.zip")


def test_page_upload_refuses_bad_files_with_a_message(client, engineer, released, settings):
    client.force_login(engineer)
    url = f"/staff/releases/{released.pk}/patch"
    response = client.post(url, {"file": _upload("readme.html")})
    assert response.status_code == 400
    assert "are not accepted as patches" in response.content.decode()
    settings.PATCH_MAX_BYTES = 4
    response = client.post(url, {"file": _upload()})
    assert response.status_code == 400 and "larger than" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and "Choose a patch file" in response.content.decode()
    assert not Patch.objects.exists()


@pytest.mark.parametrize("role", ["agent", "tester"])
def test_agents_and_testers_cannot_upload_or_edit_notes(request, client, role, released):
    client.force_login(request.getfixturevalue(role))
    response = client.post(f"/staff/releases/{released.pk}/patch", {"file": _upload()})
    assert response.status_code == 403
    response = client.post(f"/staff/releases/{released.pk}/notes", {"notes": "x"})
    assert response.status_code == 403
    assert not Patch.objects.exists() and not ReleaseEvent.objects.exists()


def test_customers_cannot_post_to_staff_pages(client, customer, released, contract, version):
    client.force_login(customer)
    assert (
        client.post(f"/staff/releases/{released.pk}/patch", {"file": _upload()}).status_code == 403
    )
    assert client.post(f"/staff/releases/{released.pk}/notes", {"notes": "x"}).status_code == 403
    data = {"contract": contract.pk, "version": version.pk}
    assert client.post("/staff/releases/installations", data).status_code == 403
    assert not ReleaseEvent.objects.exists()


def test_staff_pages_are_404_for_unknown_versions(client, engineer):
    client.force_login(engineer)
    assert client.get("/staff/releases/999999/patch").status_code == 404
    assert client.post("/staff/releases/999999/notes", {"notes": "x"}).status_code == 404


def test_engineer_edits_release_notes_on_the_page(client, engineer, version):
    client.force_login(engineer)
    url = f"/staff/releases/{version.pk}/notes"
    day = TODAY().isoformat()
    response = client.post(url, {"notes": "Better export.", "released_on": day})
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.notes, version.released_on.isoformat()) == ("Better export.", day)
    response = client.post(url, {"notes": "x", "released_on": "not a date"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()


@pytest.mark.parametrize("role", ["agent", "engineer", "manager"])
def test_staff_record_an_installation_on_the_page(request, client, role, contract, released):
    client.force_login(request.getfixturevalue(role))
    data = {"contract": contract.pk, "version": released.pk, "installed_on": TODAY().isoformat()}
    response = client.post("/staff/releases/installations", data)
    assert response.status_code == 302
    assert Installation.objects.get().version == released


def test_page_installation_refuses_bad_input_with_a_message(client, agent, contract, tester):
    client.force_login(agent)
    uncovered = f.ProductVersionFactory()
    response = client.post(
        "/staff/releases/installations", {"contract": contract.pk, "version": uncovered.pk}
    )
    assert response.status_code == 400
    assert "does not cover this product" in response.content.decode()
    response = client.post("/staff/releases/installations", {"contract": 999999})
    assert response.status_code == 400
    client.force_login(tester)
    response = client.post(
        "/staff/releases/installations", {"contract": contract.pk, "version": uncovered.pk}
    )
    assert response.status_code == 403
    assert not Installation.objects.exists()


# --------------------------------------------------------------------------- API


RELEASES = "/api/v1/releases/"
INSTALLATIONS = "/api/v1/installations/"


def test_api_needs_authentication(api, released, patched):
    assert api.get(RELEASES).status_code == 401
    assert api.get(f"{RELEASES}{released.pk}/patch").status_code == 401
    assert api.post(f"{RELEASES}{released.pk}/patch", {"file": _upload()}).status_code == 401
    assert api.get(INSTALLATIONS).status_code == 401
    assert api.post(INSTALLATIONS, {}).status_code == 401


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("customer", {"3.3", "7.0"}),
        ("other_customer", {"3.3"}),
        ("agent", {"3.2", "3.3", "7.0"}),
        ("engineer", {"3.2", "3.3", "7.0"}),
        ("manager", {"3.2", "3.3", "7.0"}),
    ],
)
def test_api_lists_the_versions_each_role_may_see(
    request, role, expected, version, patched, payroll
):
    response = client_for(request.getfixturevalue(role)).get(RELEASES)
    assert response.status_code == 200
    rows = {row["version"]: row for row in response.json()["results"]}
    assert set(rows) == expected
    row = rows["3.3"]
    assert row["product"]["name"] == "Billing" and row["notes"].startswith("Fixes blank")
    assert row["patch"]["name"] == "billing-3.3.zip" and row["patch"]["size"] == len(PAYLOAD)
    assert row["patch"]["sha256"] == patched.sha256
    assert row["patch"]["download_url"].endswith(f"/api/v1/releases/{row['id']}/patch")
    assert rows["7.0"]["patch"] is None if "7.0" in rows else True


def test_api_list_filters_by_product(engineer, released, payroll):
    response = client_for(engineer).get(RELEASES, {"product": payroll.product_id})
    assert [row["version"] for row in response.json()["results"]] == ["7.0"]
    assert client_for(engineer).get(RELEASES, {"product": 999999}).status_code == 400


def test_api_list_query_count_is_constant(customer, product, engineer):
    api = client_for(customer)

    def add(n: int) -> None:
        for _ in range(n):
            v = f.ProductVersionFactory(product=product, released_on=TODAY())
            services.patch_upload(v, actor=engineer, upload=_upload())

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(RELEASES).status_code == 200
    add(6)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(RELEASES).json()["results"]) == 8
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["customer", "other_customer", "agent", "engineer", "manager"])
def test_api_download(request, role, patched, released):
    response = client_for(request.getfixturevalue(role)).get(
        f"{RELEASES}{released.pk}/patch", HTTP_ACCEPT="application/octet-stream"
    )
    _assert_download(response, PAYLOAD, "billing-3.3.zip")


def test_api_download_is_404_outside_coverage(other_customer, customer, payroll_patch, payroll):
    response = client_for(other_customer).get(f"{RELEASES}{payroll.pk}/patch")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for(customer).get(f"{RELEASES}999999/patch").status_code == 404


def test_api_upload_creates_then_replaces(engineer, released, settings):
    api = client_for(engineer)
    url = f"{RELEASES}{released.pk}/patch"
    response = api.post(url, {"file": _upload()}, format="multipart")
    assert response.status_code == 201
    assert response.json()["patch"]["sha256"] == hashlib.sha256(PAYLOAD).hexdigest()
    response = api.post(url, {"file": _upload("v2.zip", b"v2")}, format="multipart")
    assert response.status_code == 200 and response.json()["patch"]["name"] == "v2.zip"
    assert Patch.objects.count() == 1
    assert [e.kind for e in ReleaseEvent.objects.order_by("id")] == [
        "patch_uploaded",
        "patch_replaced",
    ]


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_api_upload_by_managers_and_admins(request, role, released):
    response = client_for(request.getfixturevalue(role)).post(
        f"{RELEASES}{released.pk}/patch", {"file": _upload()}, format="multipart"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("role", "code"), [("customer", 404), ("other_customer", 404), ("agent", 403), ("tester", 403)]
)
def test_api_upload_refused_by_role(request, role, code, released, payroll):
    api = client_for(request.getfixturevalue(role))
    for version in (released, payroll):
        response = api.post(
            f"{RELEASES}{version.pk}/patch", {"file": _upload()}, format="multipart"
        )
        assert response.status_code == code
    assert not Patch.objects.exists()


def test_api_upload_bad_files_are_400_with_a_message(engineer, released, settings):
    api = client_for(engineer)
    url = f"{RELEASES}{released.pk}/patch"
    body = api.post(url, {"file": _upload("x.svg")}, format="multipart").json()
    assert body["code"] == "patch_type" and "not accepted" in body["detail"]
    assert body["fields"] == {"file": ["File type not allowed."]}
    settings.PATCH_MAX_BYTES = 4
    response = api.post(url, {"file": _upload()}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "patch_too_large"
    response = api.post(url, {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]
    assert not Patch.objects.exists()


@pytest.mark.parametrize("role", ["customer", "other_customer"])
def test_api_installations_are_staff_only(request, role, contract, version):
    api = client_for(request.getfixturevalue(role))
    assert api.get(INSTALLATIONS).status_code == 403
    response = api.post(INSTALLATIONS, {"contract": contract.pk, "version": version.pk})
    assert response.status_code == 403
    assert not Installation.objects.exists()


@pytest.mark.parametrize("role", ["agent", "engineer", "manager"])
def test_api_staff_record_and_list_installations(request, role, contract, version, released):
    api = client_for(request.getfixturevalue(role))
    body = {"contract": contract.pk, "version": version.pk, "installed_on": "2026-01-15"}
    response = api.post(INSTALLATIONS, body, format="json")
    assert response.status_code == 201
    row = response.json()
    assert row["organization"]["name"] == "Acme Power" and row["version"]["version"] == "3.2"
    assert row["installed_on"] == "2026-01-15"
    api.post(INSTALLATIONS, {"contract": contract.pk, "version": released.pk}, format="json")
    rows = api.get(INSTALLATIONS).json()["results"]
    assert [(r["contract"]["number"], r["version"]["version"]) for r in rows] == [
        (contract.number, "3.3")
    ]


def test_api_installations_refuse_bad_input(agent, tester, contract, version):
    api = client_for(agent)
    uncovered = f.ProductVersionFactory()
    body = {"contract": contract.pk, "version": uncovered.pk}
    response = api.post(INSTALLATIONS, body, format="json")
    assert response.status_code == 400 and "version" in response.json()["fields"]
    body = {"contract": 999999, "version": version.pk}
    response = api.post(INSTALLATIONS, body, format="json")
    assert response.status_code == 400 and "contract" in response.json()["fields"]
    tomorrow = (TODAY() + dt.timedelta(days=1)).isoformat()
    body = {"contract": contract.pk, "version": version.pk, "installed_on": tomorrow}
    assert api.post(INSTALLATIONS, body, format="json").status_code == 400
    body = {"contract": contract.pk, "version": version.pk}
    assert client_for(tester).post(INSTALLATIONS, body, format="json").status_code == 403
    assert not Installation.objects.exists()


def test_api_installations_filter_and_query_count_is_constant(agent, version):
    api = client_for(agent)

    def add(n: int) -> None:
        for _ in range(n):
            c = f.ContractFactory(products=[version.product])
            services.installation_record(c, actor=agent, version=version)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert api.get(INSTALLATIONS).status_code == 200
    add(5)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(INSTALLATIONS).json()["results"]) == 7
    assert len(many) == len(few)
    org = Installation.objects.first().contract.organization_id
    assert len(api.get(INSTALLATIONS, {"organization": org}).json()["results"]) == 1
    assert api.get(INSTALLATIONS, {"organization": 999999}).status_code == 400


def test_installations_are_read_only_in_the_admin(client, admin_user, contract, version):
    """The admin would bypass the audited service: it lists installations, never edits them."""
    from releases.models import Installation

    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    installation = Installation.objects.create(
        contract=contract, product=version.product, version=version
    )
    client.force_login(admin_user)
    changelist = client.get("/admin/releases/installation/")
    assert changelist.status_code == 200 and str(contract) in changelist.content.decode()
    assert client.get("/admin/releases/installation/add/").status_code == 403
    url = f"/admin/releases/installation/{installation.pk}/change/"
    response = client.post(url, {"contract": contract.pk, "version": version.pk})
    assert response.status_code == 403
