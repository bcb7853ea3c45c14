import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from support.kb import search as search_module
from support.kb.models import SearchQuery
from support.kb.search import clean_query, mark_passage, search

from .conftest import make_article

ODD_QUERIES = [
    '"',
    "'",
    '"unterminated',
    "&|!",
    "!!!",
    "a & | ! b",
    "(ssl",
    "ssl:*",
    "<script>alert(1)</script>",
    "x" * 2000,
    "重置密码 " * 300,
    "🔒🔑 ssl 😀",
    "nul\x00byte",
    "\x00",
    "%_\\",
    "   ",
    "-",
    "the",
    "OR AND NOT",
]


def titles(results):
    return [result.translation.title for result in results]


@pytest.fixture
def ranking_articles(category):
    body_only = make_article(
        "mail-overview",
        category,
        en=("Mail overview", "Publish an SPF record, then check DKIM and DMARC. " * 5),
        view_count=999,
    )
    title_match = make_article(
        "spf-record", category, en=("Setting up an SPF record", "Publish one TXT record.")
    )
    return title_match, body_only


def test_a_title_match_ranks_above_a_body_match(ranking_articles):
    results = search(AnonymousUser(), "SPF")
    assert titles(results) == ["Setting up an SPF record", "Mail overview"]


def test_search_page_lists_title_match_first_and_highlights_the_passage(client, ranking_articles):
    response = client.get("/kb/search/", {"q": "spf"})
    content = response.content.decode()
    assert content.index("Setting up an SPF record") < content.index("Mail overview")
    assert "Publish an <mark>SPF</mark> record" in content


@pytest.fixture
def chinese_article(category):
    return make_article(
        "resetting-portal-password",
        category,
        zh=("忘记登录密码怎么办", "如果忘记了密码，请在登录页点击链接重置密码，然后查收邮件。"),
        en=("Resetting your portal password", "Click the link on the sign-in page."),
    )


@pytest.mark.parametrize("query", ["重置密码", "密码"])
def test_chinese_search_finds_words_inside_unsegmented_text(chinese_article, query):
    results = search(AnonymousUser(), query, language="zh-hans")
    assert titles(results) == ["忘记登录密码怎么办"]
    assert f"<mark>{query}</mark>" in results[0].snippet


def test_chinese_title_matches_rank_first(chinese_article, category):
    make_article("other", category, zh=("其他文章", "登录密码的规则。" * 3))
    results = search(AnonymousUser(), "登录密码", language="zh-hans")
    assert titles(results) == ["忘记登录密码怎么办", "其他文章"]


def test_chinese_search_page_marks_the_match(client, chinese_article):
    response = client.get("/kb/search/", {"q": "重置密码"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "点击链接<mark>重置密码</mark>" in response.content.decode()


def test_english_search_uses_word_forms(category):
    make_article("renewals", category, en=("Certificates", "We renew certificates every month."))
    assert titles(search(AnonymousUser(), "renew")) == ["Certificates"]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_error(client, chinese_article, query):
    response = client.get("/kb/search/", {"q": query})
    assert response.status_code == 200
    assert client.get("/kb/suggest/", {"q": query}).status_code == 200


def test_queries_are_capped_and_cleaned():
    assert len(clean_query("x" * 2000)) == 200
    assert clean_query("a\x00b\n c") == "a b c"


def test_highlighting_escapes_before_marking():
    html = mark_passage('<img src=x onerror="alert(1)"> ssl', ["ssl"])
    assert html == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <mark>ssl</mark>"


def test_a_search_payload_in_the_body_is_escaped_in_results(client, category):
    make_article("xss", category, en=("Harmless", "Text `<script>alert('kb')</script>` here"))
    content = client.get("/kb/search/", {"q": "alert"}).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;<mark>alert</mark>" in content


def test_searches_are_logged_with_result_counts(client, chinese_article):
    client.get("/kb/search/", {"q": "Password"})
    client.get("/kb/search/", {"q": "kubernetes"})
    client.get("/kb/search/", {"q": ""})
    logged = {q.query: q.result_count for q in SearchQuery.objects.all()}
    assert logged == {"password": 1, "kubernetes": 0}


def test_empty_search_shows_a_hint_and_no_results(client):
    response = client.get("/kb/search/")
    assert response.status_code == 200
    assert "Type a few words" in response.content.decode()


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's full-text search"
)


@postgres_only
def test_english_word_forms_match_through_full_text_search(category):
    make_article("renewals", category, en=("Certificates", "We renew certificates every month."))
    assert titles(search(AnonymousUser(), "renewing certificate")) == ["Certificates"]


@postgres_only
def test_search_indexes_exist(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'kb_articletranslation'")
        definitions = " ".join(row[0] for row in cursor.fetchall())
    assert "USING gin (search_vector)" in definitions
    assert "USING gin (body gin_trgm_ops)" in definitions


# --- Chinese words of two characters, through the full-text index -----------------------------


@pytest.fixture
def backup_articles(category):
    make_article("restore", category, zh=("如何恢复备份", "在控制面板中选择备份，然后点击恢复。"))
    make_article("schedule", category, zh=("计划任务", "每天凌晨自动备份网站文件和数据库。"))
    make_article("unrelated", category, zh=("修改域名解析", "登录后在域名列表中修改记录。"))
    make_article("english", category, en=("Backups", "Nightly backups of every site."))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("备份", ["如何恢复备份", "计划任务"]),
        ("恢复备份", ["如何恢复备份"]),
        ("备份 数据库", ["计划任务"]),
        ("网站文件", ["计划任务"]),
        ("域名", ["修改域名解析"]),
    ],
)
def test_two_character_chinese_words_are_found_and_ranked(backup_articles, query, expected):
    results = search(AnonymousUser(), query, language="zh-hans")
    assert titles(results) == expected
    body_word = query.split()[-1]
    assert f"<mark>{body_word}</mark>" in results[-1].snippet or body_word in expected[-1]


def test_a_two_character_title_match_ranks_above_a_body_match(backup_articles):
    assert titles(search(AnonymousUser(), "备份", language="zh-hans")) == [
        "如何恢复备份",
        "计划任务",
    ]


def test_words_split_by_punctuation_are_not_joined(category):
    make_article("split", category, zh=("说明", "请先备，份文件稍后。"))
    assert search(AnonymousUser(), "备份", language="zh-hans") == []


def test_a_lone_chinese_character_still_matches_as_a_substring(backup_articles):
    assert "如何恢复备份" in titles(search(AnonymousUser(), "恢", language="zh-hans"))


def test_chinese_mixed_with_latin_letters(category):
    make_article("ssl", category, zh=("安装SSL证书", "上传证书文件后点击安装。"))
    assert titles(search(AnonymousUser(), "SSL证书", language="zh-hans")) == ["安装SSL证书"]


@postgres_only
def test_two_character_chinese_search_uses_the_full_text_index(backup_articles):
    from support.kb.search import matching_translations

    sql = str(matching_translations(AnonymousUser(), "备份").query)
    assert "@@" in sql and "LIKE" not in sql.split("WHERE", 1)[1].split("ORDER BY")[0]


# --- A common word: more matches than are ranked ----------------------------------------------


@pytest.fixture
def password_articles(category):
    """密码 in a title, and in bodies as often as it is read."""
    make_article("change", category, zh=("修改密码", "在账户页面修改。"))
    make_article("read-most", category, zh=("账户说明", "密码在这里设置。"), view_count=500)
    make_article("read-often", category, zh=("登录说明", "密码规则：密码要长。"), view_count=100)
    make_article("unread", category, zh=("其他说明", "密码、密码、密码，还是密码。"))


@postgres_only
def test_a_common_word_is_ranked_by_how_well_each_article_matches(password_articles):
    results = search(AnonymousUser(), "密码", language="zh-hans")
    assert titles(results) == ["修改密码", "其他说明", "登录说明", "账户说明"]
    assert all("<mark>密码</mark>" in result.snippet for result in results[1:])


@postgres_only
def test_beyond_the_ranked_window_title_matches_then_the_most_read_are_ranked(
    password_articles, monkeypatch
):
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 3)
    results = search(AnonymousUser(), "密码", language="zh-hans")
    assert titles(results) == ["修改密码", "登录说明", "账户说明"]


def test_a_longer_word_needs_its_characters_in_a_row(category):
    make_article("apart", category, zh=("说明", "先重置网站，再设置密码。"))
    make_article("together", category, zh=("忘记密码", "点击链接重置密码。"))
    assert titles(search(AnonymousUser(), "重置密码", language="zh-hans")) == ["忘记密码"]


@postgres_only
def test_the_search_indexes_have_no_pending_list(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'kb_translation_%'"
        )
        options = dict(cursor.fetchall())
    assert options["kb_translation_search_gin"] == ["fastupdate=off"]
    assert options["kb_translation_body_trgm"] == ["fastupdate=off"]


@postgres_only
def test_the_planner_setting_of_a_search_is_put_back(backup_articles):
    assert search(AnonymousUser(), "备份", language="zh-hans")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == "on"
