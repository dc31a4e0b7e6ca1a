from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_browser_language_is_used_for_anonymous(client):
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.headers["Content-Language"] == "zh-hans"


def test_users_saved_language_wins_over_browser(client):
    user = f.UserFactory(language="zh-hans")
    client.force_login(user)
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="en")
    assert response.headers["Content-Language"] == "zh-hans"


def test_switcher_cookie_wins_over_saved_language(client):
    user = f.UserFactory(language="zh-hans")
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.headers["Content-Language"] == "en"


def test_chinese_names_read_family_name_first():
    assert f.UserFactory.build(first_name="磊", last_name="李").get_full_name() == "李磊"
    assert f.UserFactory.build(first_name="Lei", last_name="Li").get_full_name() == "Lei Li"
    assert f.UserFactory.build(first_name="", last_name="").get_full_name() == ""
