import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import polib
from django.conf import settings

from accounts.models import Invitation

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SKIP = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "shots", "__pycache__", "*.mo")


def untranslated(po):
    return [
        entry.msgid
        for entry in po
        if not entry.obsolete and ("fuzzy" in entry.flags or not entry.translated())
    ]


def test_the_chinese_catalogue_is_complete():
    missing = untranslated(polib.pofile(str(CATALOGUE)))
    assert missing == [], f"{len(missing)} messages lack a Chinese translation: {missing[:10]}"


def test_the_catalogue_holds_every_message_of_the_source(tmp_path):
    """makemessages over a copy of the source finds nothing the catalogue lacks."""
    copy = tmp_path / "src"
    shutil.copytree(BASE, copy, ignore=SKIP)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-v", "0"],
        cwd=copy,
        env={**os.environ, "DEBUG": "1", "VAR_DIR": str(tmp_path / "var")},
        check=True,
    )
    missing = untranslated(polib.pofile(str(copy / CATALOGUE.relative_to(BASE))))
    assert missing == [], f"Run `make messages` and translate: {missing[:10]}"


def test_a_page_is_in_chinese_when_the_switcher_says_so(client, db):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="zh-Hans"' in page
    assert "全天候" in page  # "around the clock"
    assert "Hosting support, around the clock" not in page


def test_a_page_follows_accept_language_for_visitors(client, db):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert 'lang="zh-Hans"' in page


def test_a_signed_in_person_gets_their_preferred_language(client, owner, organization):
    owner.language = "zh-hans"
    owner.save()
    client.force_login(owner)
    page = client.get("/").content.decode()
    assert "仪表板" in page or "控制台" in page


def test_switching_language_while_signed_in_saves_the_preference(client, owner, organization):
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "zh-hans"


def test_times_are_shown_in_the_viewers_time_zone(client, owner, organization):
    invitation = Invitation.objects.create(
        organization=organization, email="x@acme.example", invited_by=owner
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=datetime(2026, 1, 1, 10, 0, tzinfo=UTC)
    )  # valid until 8 January 10:00 UTC
    client.force_login(owner)

    owner.time_zone = "Asia/Shanghai"
    owner.save()
    assert "8 Jan 2026, 18:00" in client.get("/accounts/organization/").content.decode()

    owner.time_zone = "America/New_York"
    owner.save()
    assert "8 Jan 2026, 05:00" in client.get("/accounts/organization/").content.decode()


def test_a_visitor_switches_language_with_a_link(client, db):
    page = client.get("/kb/").content.decode()
    assert "csrfmiddlewaretoken" not in page  # the switch is links, not a form
    assert 'href="/i18n/setlang/?language=zh-hans&amp;next=%2Fkb%2F"' in page
    response = client.get("/i18n/setlang/", {"language": "zh-hans", "next": "/kb/"})
    assert response.status_code == 302 and response["Location"] == "/kb/"
    assert "no-store" in response["Cache-Control"]
    assert 'lang="zh-Hans"' in client.get("/kb/").content.decode()


def test_a_language_link_never_leaves_the_site(client, db):
    response = client.get(
        "/i18n/setlang/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_language_link_does_not_change_a_saved_preference(client, owner, organization):
    client.force_login(owner)
    client.get("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "en"  # only the form (POST, with its CSRF token) saves it
    assert 'lang="zh-Hans"' in client.get("/").content.decode()  # this browser's cookie


def test_a_label_ends_with_its_languages_colon():
    from django.template import Context, Template
    from django.utils import translation

    line = Template('{{ _("Priority")|label }}P1')
    with translation.override("en"):
        assert line.render(Context()) == "Priority: P1"
    with translation.override("zh-hans"):
        assert line.render(Context()) == "优先级：P1"  # full-width, no space after


def test_a_list_is_separated_as_its_language_does():
    from django.template import Context, Template
    from django.utils import translation

    names = Template(
        "{% for name in names %}{{ name }}{% if not forloop.last %}{% list_separator %}"
        "{% endif %}{% endfor %}"
    )
    context = {"names": ["Web 服务器", "MySQL 数据库", "DNS"]}
    with translation.override("en"):
        assert names.render(Context(context)) == "Web 服务器, MySQL 数据库, DNS"
    with translation.override("zh-hans"):
        assert names.render(Context(context)) == "Web 服务器、MySQL 数据库、DNS"
