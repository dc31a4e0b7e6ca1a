"""The document library (文档库): upload safety (type allow-list, size, generated names,
attachment downloads), audit, and the per-request permission on every page, endpoint and
download (another product's or an internal document is a 404, and absent from lists)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from releases import selectors, services
from releases.models import Document, DocumentEvent
from servicedesk.errors import NotAllowed, NotFound, ValidationFailed
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7 billing manual"


def _file(name="manual.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def released(product):
    return f.ProductVersionFactory(
        product=product, version="3.3", released_on=timezone.localdate() - dt.timedelta(days=5)
    )


@pytest.fixture
def payroll_version(db):
    """A product nobody's contract covers."""
    product = f.ProductFactory(name="Payroll", code="payroll")
    return f.ProductVersionFactory(
        product=product, version="7.0", released_on=timezone.localdate() - dt.timedelta(days=5)
    )


def _upload(actor, product, versions=(), **kw):
    kw.setdefault("title", "User manual")
    kw.setdefault("language", "zh-hans")
    kw.setdefault("upload", _file())
    return services.document_upload(actor=actor, product=product, versions=versions, **kw)


@pytest.fixture
def manual(engineer, product, released):
    return _upload(engineer, product, [released])


@pytest.fixture
def internal(engineer, product):
    return _upload(engineer, product, title="Internal runbook", is_public=False)


@pytest.fixture
def foreign(engineer, payroll_version):
    return _upload(engineer, payroll_version.product, [payroll_version], title="Payroll guide")


def test_upload_stores_a_generated_name_with_digest_and_event(manual, engineer, released):
    assert manual.file.name.startswith("documents/") and "manual" not in manual.file.name
    assert manual.sha256 == hashlib.sha256(PDF).hexdigest() and manual.size == len(PDF)
    assert list(manual.versions.all()) == [released]
    event = DocumentEvent.objects.get()
    assert (event.kind, event.actor, event.document) == ("uploaded", engineer, manual)


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"upload": _file("page.html", b"<script>")}, "file"),
        ({"upload": _file("logo.svg", b"<svg/>")}, "file"),
        ({"upload": _file("empty.pdf", b"")}, "file"),
        ({"upload": None}, "file"),
        ({"title": "  "}, "title"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_uploads_are_refused_naming_the_field_and_store_nothing(
    engineer, product, kw, field, settings
):
    with pytest.raises(ValidationFailed) as error:
        _upload(engineer, product, **kw)
    assert field in error.value.fields
    assert not Document.objects.exists()
    assert not (settings.MEDIA_ROOT / "documents").exists()


def test_too_large_and_wrong_product_versions_are_refused(
    engineer, product, payroll_version, settings
):
    settings.DOCUMENT_MAX_BYTES = 4
    with pytest.raises(ValidationFailed) as error:
        _upload(engineer, product)
    assert error.value.code == "document_too_large"
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as error:
        _upload(engineer, product, [payroll_version])
    assert "versions" in error.value.fields


def test_only_engineers_and_managers_manage(agent, customer, product, manual):
    with pytest.raises(NotAllowed):
        _upload(agent, product)
    with pytest.raises(NotFound):
        _upload(customer, product)
    with pytest.raises(NotAllowed):
        services.document_delete(manual, actor=agent)


def test_removal_deletes_the_file_on_commit_and_keeps_the_event(
    manual, manager, settings, django_capture_on_commit_callbacks
):
    stored = settings.MEDIA_ROOT / manual.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(manual, actor=manager)
    assert not stored.exists() and not Document.objects.exists()
    assert DocumentEvent.objects.filter(kind="removed", data__title="User manual").exists()


def test_customers_see_public_documents_of_covered_products_only(
    customer, other_customer, manager, manual, internal, foreign
):
    assert list(selectors.document_list(customer)) == [manual]
    assert set(selectors.document_list(manager)) == {manual, internal, foreign}
    for hidden in (internal, foreign):
        with pytest.raises(NotFound):
            selectors.document_get_for(customer, hidden.pk)


def test_a_version_library_has_its_own_and_the_all_versions_documents(
    customer, engineer, product, released, manual
):
    everyone = _upload(engineer, product, title="Installation guide")
    other = f.ProductVersionFactory(
        product=product, version="3.1", released_on=released.released_on
    )
    _upload(engineer, product, [other], title="Old manual")
    assert list(selectors.documents_for_version(customer, released)) == [everyone, manual]


# --------------------------------------------------------------------------- pages


def test_portal_library_pages_and_download_check_each_request(
    client, customer, other_customer, manual, foreign, released, payroll_version
):
    client.force_login(customer)
    index = client.get(reverse("library:index"))
    assert index.status_code == 200 and "Billing" in index.text and "Payroll" not in index.text
    page = client.get(reverse("library:version", args=[released.pk]))
    assert "User manual" in page.text
    assert client.get(reverse("library:version", args=[payroll_version.pk])).status_code == 404
    download = client.get(reverse("library:download", args=[manual.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("library:download", args=[foreign.pk])).status_code == 404
    manual.is_public = False  # made internal: the next request is refused
    manual.save()
    assert client.get(reverse("library:download", args=[manual.pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, manual):
    response = client.get(reverse("library:download", args=[manual.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_library_upload_and_remove(client, engineer, agent, customer, product, released):
    client.force_login(engineer)
    response = client.post(
        reverse("documents:index"),
        {
            "title": "Admin guide",
            "product": product.pk,
            "versions": [released.pk],
            "language": "en",
            "is_public": "on",
            "file": _file("admin.docx", b"PK docx"),
        },
    )
    assert response.status_code == 302, response.content
    document = Document.objects.get()
    bad = client.post(
        reverse("documents:index"),
        {"title": "Script", "product": product.pk, "language": "en", "file": _file("x.js", b"1")},
    )
    assert bad.status_code == 400 and "are not accepted" in bad.text
    client.force_login(agent)
    assert client.get(reverse("documents:index")).status_code == 200
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 403
    client.force_login(customer)
    assert client.get(reverse("documents:index")).status_code == 403
    client.force_login(engineer)
    assert client.post(reverse("documents:delete", args=[document.pk])).status_code == 302
    assert not Document.objects.exists()


def test_library_pages_query_counts_do_not_grow(
    client, customer, manager, engineer, product, released, django_assert_max_num_queries
):
    for i in range(6):
        _upload(engineer, product, [released], title=f"Manual {i}")
    client.force_login(customer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("library:version", args=[released.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("library:index")).status_code == 200
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("documents:index")).status_code == 200


# --------------------------------------------------------------------------- API

LIST = "/api/v1/documents/"


def test_api_customers_read_only_theirs(customer, manual, internal, foreign):
    api = client_for(customer)
    assert [r["title"] for r in api.get(LIST).json()["results"]] == ["User manual"]
    assert api.get(f"{LIST}{manual.pk}/").status_code == 200
    for hidden in (internal, foreign):
        assert api.get(f"{LIST}{hidden.pk}/").status_code == 404
        assert api.get(f"{LIST}{hidden.pk}/file").status_code == 404
    file = api.get(f"{LIST}{manual.pk}/file")
    assert file.status_code == 200 and file["Content-Disposition"].startswith("attachment")
    assert api.delete(f"{LIST}{manual.pk}/").status_code == 404
    assert api.post(LIST, {"title": "x"}).status_code == 404


def test_api_anonymous_is_401(api, manual):
    assert api.get(LIST).status_code == 401
    assert api.get(f"{LIST}{manual.pk}/file").status_code == 401


def test_api_engineer_uploads_and_removes(engineer, agent, product, released):
    api = client_for(engineer)
    created = api.post(
        LIST,
        {
            "title": "Guide",
            "product": product.pk,
            "versions": [released.pk],
            "language": "en",
            "file": _file(),
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["versions"] == [{"id": released.pk, "version": "3.3"}] and body["is_public"]
    assert client_for(agent).delete(f"{LIST}{body['id']}/").status_code == 403
    assert api.delete(f"{LIST}{body['id']}/").status_code == 204


@pytest.mark.parametrize(
    "data, field",
    [
        ({"title": "x", "language": "en"}, "file"),
        ({"title": "x", "language": "en", "file": "bad.exe"}, "file"),
        ({"title": "x", "language": "fr", "file": "ok.pdf"}, "language"),
        ({"title": "", "language": "en", "file": "ok.pdf"}, "title"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(engineer, product, data, field):
    payload = {**data, "product": product.pk}
    if "file" in payload:
        payload["file"] = _file(payload["file"])
    response = client_for(engineer).post(LIST, payload, format="multipart")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Document.objects.exists()


def test_api_filter_by_version_and_query_count(
    customer, engineer, product, released, django_assert_max_num_queries
):
    for i in range(6):
        _upload(engineer, product, [released], title=f"Manual {i}")
    _upload(engineer, product, title="For every version")
    api = client_for(customer)
    with django_assert_max_num_queries(9):
        rows = api.get(LIST, {"version": released.pk}).json()["results"]
    assert len(rows) == 7
    assert api.get(LIST, {"version": "nope"}).status_code == 400
