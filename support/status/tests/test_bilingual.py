"""Status content in Chinese where staff wrote it, else in English, each text whole."""

import feedparser
import pytest

from support.status.models import ComponentGroup, Incident

from .conftest import open_incident
from .test_notifications import subscribe


@pytest.fixture
def translated(web, dns):
    ComponentGroup.objects.filter(pk=web.group_id).update(name_zh_hans="法兰克福 — 共享主机")
    web.name_zh_hans = "Web 服务器"
    web.save()
    incident = Incident.objects.create(name="Web servers down", name_zh_hans="Web 服务器宕机")
    incident.post_update(
        "investigating",
        "Checking the web servers.",
        {web: "partial_outage"},
        body_zh_hans="我们正在调查。",
    )
    untranslated = open_incident([dns], name="DNS slow", impact="minor")
    return incident, untranslated


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


@pytest.mark.django_db
def test_chinese_status_page_shows_chinese_text_and_whole_english_fallbacks(client, translated):
    incident, untranslated = translated
    page = zh(client).get("/status/").text
    for text in ["Web 服务器宕机", "我们正在调查。", "Web 服务器", "法兰克福 — 共享主机"]:
        assert text in page
    assert "Web servers down" not in page and "Checking the web servers." not in page
    # no Chinese written for these: shown in English, whole
    assert "DNS slow" in page and "Authoritative DNS" in page
    assert "/status/feed.atom?lang=zh-hans" in page
    detail = client.get(f"/status/incidents/{incident.pk}/").text
    assert "Web 服务器宕机" in detail and "我们正在调查。" in detail
    client.cookies["django_language"] = "en"
    english = client.get("/status/").text
    assert "Web servers down" in english and "Web 服务器宕机" not in english
    assert "/status/feed.atom?lang" not in english


@pytest.mark.django_db
def test_json_follows_accept_language(client, translated):
    def names(language):
        data = client.get(
            "/status/api/v2/summary.json", HTTP_ACCEPT_LANGUAGE=language
        ).json()  # twice: the second answer comes from the cache, per language
        again = client.get("/status/api/v2/summary.json", HTTP_ACCEPT_LANGUAGE=language)
        assert again.json() == data and again["Content-Language"] == data_language(language)
        return (
            sorted(incident["name"] for incident in data["incidents"]),
            data["incidents"][0]["incident_updates"][0]["body"],
        )

    def data_language(language):
        return "zh-hans" if language.startswith("zh") else "en"

    assert names("zh-CN,zh;q=0.9,en;q=0.8")[0] == ["DNS slow", "Web 服务器宕机"]
    assert names("en-GB,en;q=0.9")[0] == ["DNS slow", "Web servers down"]
    assert names("")[0] == ["DNS slow", "Web servers down"]


@pytest.mark.django_db
def test_feed_in_chinese_with_lang_parameter(client, translated):
    chinese = feedparser.parse(client.get("/status/feed.atom?lang=zh-hans").content)
    titles = [entry.title for entry in chinese.entries]
    assert "Web 服务器宕机 [调查中]" in titles and "DNS slow [调查中]" in titles
    assert chinese.feed.title == "系统状态：事件与维护"
    assert "我们正在调查。" in next(e for e in chinese.entries if "Web" in e.title).summary
    english = feedparser.parse(client.get("/status/feed.rss").content)
    assert "Web servers down [Investigating]" in [entry.title for entry in english.entries]


@pytest.mark.django_db
def test_subscriber_email_in_chinese(web, send_queued_mail, django_capture_on_commit_callbacks):
    subscribe("chen@example.com", language="zh-hans")
    subscribe("ops@example.com")
    incident = Incident.objects.create(name="Web servers down", name_zh_hans="Web 服务器宕机")
    with django_capture_on_commit_callbacks(execute=True):
        incident.post_update(
            "investigating", "Looking.", {web: "major_outage"}, body_zh_hans="排查中。", notify=True
        )
    messages = {m.to[0]: m for m in send_queued_mail()}
    assert messages["chen@example.com"].subject == "[调查中] Web 服务器宕机"
    assert "排查中。" in messages["chen@example.com"].body
    assert "Looking." not in messages["chen@example.com"].body
    assert messages["ops@example.com"].subject == "[Investigating] Web servers down"


@pytest.mark.django_db
def test_back_office_marks_incidents_lacking_chinese(client, translated, staff_user):
    from django.contrib.auth.models import Permission

    incident, untranslated = translated
    staff_user.user_permissions.add(*Permission.objects.filter(codename__endswith="_incident"))
    client.force_login(staff_user)
    missing = client.get("/admin/status/incident/?chinese=missing").text
    assert "DNS slow" in missing and "Web servers down" not in missing
    complete = client.get("/admin/status/incident/?chinese=complete").text
    assert "Web servers down" in complete and "DNS slow" not in complete
    incident.post_update("identified", "Found it.")  # an update without Chinese
    assert "Web servers down" in client.get("/admin/status/incident/?chinese=missing").text
