"""A customer opens Downloads (下载区), reads the release notes and downloads a patch."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from releases import services as releases
from servicedesk.choices import Role
from tests import factories as f
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = b"PK\x03\x04" + b"billing 3.3 upgrade package " * 2000


@pytest.fixture
def setup():
    today = timezone.localdate()
    org = f.OrganizationFactory(name="Acme Power", code="acme")
    billing = f.ProductFactory(name="Billing", code="billing")
    payroll = f.ProductFactory(name="Payroll", code="payroll")
    f.ContractFactory(organization=org, products=[billing, payroll])
    customer = f.CustomerFactory(
        username="li.lei", organization=org, first_name="Lei", last_name="Li"
    )
    engineer = f.UserFactory(
        username="wang.fang", role=Role.ENGINEER, first_name="Fang", last_name="Wang"
    )
    f.ProductVersionFactory(
        product=billing,
        version="3.1",
        released_on=today - dt.timedelta(days=210),
        notes="Cost centres on invoices.",
    )
    current = f.ProductVersionFactory(
        product=billing,
        version="3.3",
        released_on=today - dt.timedelta(days=12),
        notes="Fixes the blank second invoice page.\nMonth-end export twice as fast.",
    )
    releases.patch_upload(
        current,
        actor=engineer,
        upload=SimpleUploadedFile("billing-3.3-upgrade.zip", PAYLOAD),
    )
    f.ProductVersionFactory(
        product=payroll,
        version="7.0",
        released_on=today - dt.timedelta(days=40),
        notes="New tax tables for 2026.",
    )
    f.ProductVersionFactory(product=billing, version="3.4")  # not released: not shown
    return {"customer": customer, "current": current}


def test_customer_downloads_a_patch(page, setup, tmp_path):
    login(page, setup["customer"].username, f.PASSWORD)
    page.click("nav.mainnav >> text=Downloads")
    page.wait_for_url("**/portal/downloads/")

    billing = page.locator("#product-" + str(setup["current"].product_id))
    versions = billing.locator("article.release h3")
    assert versions.nth(0).inner_text().startswith("Version 3.3")
    assert versions.nth(1).inner_text().startswith("Version 3.1")
    assert page.locator("text=Version 3.4").count() == 0
    assert "Month-end export twice as fast." in billing.inner_text()
    sha256 = hashlib.sha256(PAYLOAD).hexdigest()
    assert sha256 in billing.inner_text()
    assert "Payroll" in page.inner_text("main")
    screenshot(page, "portal-downloads")

    with page.expect_download() as info:
        page.click("text=Download billing-3.3-upgrade.zip")
    download = info.value
    assert download.suggested_filename == "billing-3.3-upgrade.zip"
    saved = tmp_path / "patch.zip"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == sha256
