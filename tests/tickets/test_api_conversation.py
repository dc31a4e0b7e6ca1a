"""Comments, attachments, downloads and the timeline under /api/v1/tickets/{id}/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Attachment, Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Slow reports",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )


def url(ticket, child: str) -> str:
    return f"/api/v1/tickets/{ticket.pk}/{child}/"


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("child", ["comments", "attachments", "events"])
def test_anonymous_401_and_other_org_404(child, api, ticket, other_customer):
    assert api.get(url(ticket, child)).status_code == 401
    assert api.post(url(ticket, child), {}).status_code == 401
    other = client_for(other_customer)
    assert other.get(url(ticket, child)).status_code == 404
    if child != "events":
        response = other.post(url(ticket, child), {"body": "hi"}, format="multipart")
        assert response.status_code == 404


def test_events_are_read_only(ticket, customer):
    assert client_for(customer).post(url(ticket, "events"), {}).status_code == 405


# --------------------------------------------------------------------------- comments


def test_customer_replies_and_staff_notes_stay_internal(ticket, customer, engineer):
    staff = client_for(engineer)
    assert (
        staff.post(
            url(ticket, "comments"),
            {"body": "Checked the logs", "is_internal": True},
            format="json",
        ).status_code
        == 201
    )
    response = staff.post(url(ticket, "comments"), {"body": "Please send a trace"}, format="json")
    assert response.status_code == 201
    assert response.json()["author"]["name"] == "engineer"
    cust = client_for(customer)
    response = cust.post(url(ticket, "comments"), {"body": "Attached"}, format="json")
    assert response.status_code == 201 and response.json()["is_internal"] is False
    bodies = [c["body"] for c in cust.get(url(ticket, "comments")).json()["results"]]
    assert bodies == ["Please send a trace", "Attached"]
    bodies = [c["body"] for c in staff.get(url(ticket, "comments")).json()["results"]]
    assert bodies == ["Checked the logs", "Please send a trace", "Attached"]


def test_customer_may_not_write_internal_notes(ticket, customer):
    response = client_for(customer).post(
        url(ticket, "comments"), {"body": "psst", "is_internal": True}, format="json"
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()


def test_empty_comment_is_400(ticket, customer):
    response = client_for(customer).post(url(ticket, "comments"), {"body": "  "}, format="json")
    assert response.status_code == 400 and "body" in response.json()["fields"]


def test_comment_on_closed_ticket_is_409_for_customer(ticket, customer, engineer):
    services.ticket_transition(ticket, actor=engineer, to_status="cancelled", comment="dup")
    response = client_for(customer).post(url(ticket, "comments"), {"body": "hi"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "ticket_closed"


def test_comment_with_files_multipart(ticket, customer):
    response = client_for(customer).post(
        url(ticket, "comments"),
        {"body": "see trace", "attachments": [SimpleUploadedFile("trace.txt", b"abc")]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    (attachment,) = response.json()["attachments"]
    assert attachment["name"] == "trace.txt"
    assert attachment["download_url"].startswith("/api/v1/attachments/")


def test_customer_reply_resumes_waiting_ticket(ticket, customer, engineer):
    services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.WAITING_CUSTOMER, comment="Need logs"
    )
    client_for(customer).post(url(ticket, "comments"), {"body": "Here"}, format="json")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS


@pytest.mark.parametrize("rows", [3, 30])
def test_comment_list_query_count_is_constant(rows, ticket, engineer, django_assert_num_queries):
    for i in range(rows):
        comment = Comment.objects.create(ticket=ticket, author=engineer, body=f"c{i}")
        Attachment.objects.create(
            ticket=ticket,
            comment=comment,
            file="x.txt",
            original_name="x.txt",
            content_type="text/plain",
            size=1,
        )
    client = client_for(engineer)
    # ticket, comment page (with authors), their attachments
    with django_assert_num_queries(3):
        response = client.get(url(ticket, "comments"), {"page_size": 100})
    assert len(response.json()["results"]) == rows


# --------------------------------------------------------------------------- attachments


def test_upload_list_and_download(ticket, customer):
    client = client_for(customer)
    response = client.post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile("report.pdf", b"%PDF-1.4", content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "report.pdf" and body["size"] == 8
    listed = client.get(url(ticket, "attachments")).json()["results"]
    assert [a["id"] for a in listed] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="report.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == b"%PDF-1.4"


def test_download_accepts_any_accept_header(ticket, customer):
    attachment = services.attachment_add(
        ticket, actor=customer, upload=SimpleUploadedFile("a.txt", b"x")
    )
    response = client_for(customer).get(
        f"/api/v1/attachments/{attachment.pk}/download", HTTP_ACCEPT="application/octet-stream"
    )
    assert response.status_code == 200


def test_download_permissions(ticket, customer, other_customer, engineer, api):
    public = services.attachment_add(
        ticket, actor=customer, upload=SimpleUploadedFile("a.txt", b"x")
    )
    internal = services.attachment_add(
        ticket, actor=engineer, upload=SimpleUploadedFile("b.txt", b"y"), is_internal=True
    )
    path = "/api/v1/attachments/{}/download"
    assert api.get(path.format(public.pk)).status_code == 401
    assert client_for(other_customer).get(path.format(public.pk)).status_code == 404
    assert client_for(customer).get(path.format(internal.pk)).status_code == 404
    assert client_for(engineer).get(path.format(internal.pk)).status_code == 200
    assert client_for(engineer).get(path.format(999999)).status_code == 404
    listed = client_for(customer).get(url(ticket, "attachments")).json()["results"]
    assert [a["id"] for a in listed] == [public.pk]


def test_customer_cannot_upload_internal(ticket, customer):
    response = client_for(customer).post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile("a.txt", b"x"), "is_internal": "true"},
        format="multipart",
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_oversize_attachment_is_400_and_nothing_stored(ticket, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    response = client_for(customer).post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile("big.txt", b"x" * 11)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_too_large"
    assert "file" in response.json()["fields"]
    assert not Attachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "attachments").exists()


@pytest.mark.parametrize("name", ["page.html", "image.svg", "run.exe", "noextension"])
def test_forbidden_type_is_400_and_nothing_stored(name, ticket, customer, settings):
    response = client_for(customer).post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile(name, b"<svg onload=alert(1)>")},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "attachment_type"
    assert not Attachment.objects.exists()


def test_missing_or_overlong_file_name_is_400(ticket, customer):
    client = client_for(customer)
    assert client.post(url(ticket, "attachments"), {}, format="multipart").status_code == 400
    response = client.post(
        url(ticket, "attachments"),
        {"file": SimpleUploadedFile("a" * 220 + ".txt", b"x")},
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()["fields"]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("rows", [3, 30])
def test_attachment_list_query_count_is_constant(rows, ticket, engineer, django_assert_num_queries):
    for _ in range(rows):
        Attachment.objects.create(
            ticket=ticket,
            file="x.txt",
            original_name="x.txt",
            content_type="text/plain",
            size=1,
            uploaded_by=engineer,
        )
    with django_assert_num_queries(2):
        response = client_for(engineer).get(url(ticket, "attachments"), {"page_size": 100})
    assert len(response.json()["results"]) == rows


# --------------------------------------------------------------------------- events


def test_timeline_hides_internal_events_from_customers(ticket, customer, engineer):
    services.comment_add(ticket, actor=engineer, body="internal", is_internal=True)
    services.comment_add(ticket, actor=engineer, body="public")
    kinds = [e["kind"] for e in client_for(customer).get(url(ticket, "events")).json()["results"]]
    assert kinds == ["created", "commented"]
    kinds = [e["kind"] for e in client_for(engineer).get(url(ticket, "events")).json()["results"]]
    assert kinds == ["created", "note_added", "commented"]


@pytest.mark.parametrize("rows", [3, 30])
def test_event_list_query_count_is_constant(rows, org, engineer, django_assert_num_queries):
    ticket = f.TicketFactory(organization=org)
    for _ in range(rows):
        services.comment_add(ticket, actor=engineer, body="x")
    with django_assert_num_queries(2):
        response = client_for(engineer).get(url(ticket, "events"), {"page_size": 100})
    assert len(response.json()["results"]) == rows


def test_overlong_client_content_type_is_not_a_500(ticket, customer):
    upload = SimpleUploadedFile("a.txt", b"x", content_type="text/" + "x" * 150)
    response = client_for(customer).post(
        url(ticket, "attachments"), {"file": upload}, format="multipart"
    )
    assert response.status_code == 201
    assert len(Attachment.objects.get().content_type) == 100
