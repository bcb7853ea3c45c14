"""Median knowledge-base search time over 10,000 articles on PostgreSQL.

Creates the articles (bulk, half English, half Chinese, some in both), fills the
search vectors, runs a set of English and Chinese queries through the same
`support.kb.search.search` the search page uses and prints the median times.
The benchmark's category and articles are removed at the end.

A throwaway PostgreSQL server, as scripts/test starts one (run as root):

    d=$(mktemp -d) && chown postgres "$d" && B=/usr/lib/postgresql/15/bin
    runuser -u postgres -- $B/initdb -D "$d/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8
    runuser -u postgres -- $B/pg_ctl -D "$d/data" -l "$d/log" -w \\
        -o "-p 55432 -k $d -c listen_addresses=127.0.0.1" start
    runuser -u postgres -- $B/createdb -h 127.0.0.1 -p 55432 -U postgres bench
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench .venv/bin/python scripts/bench_kb.py
    runuser -u postgres -- $B/pg_ctl -D "$d/data" -m immediate stop && rm -rf "$d"

Options: --articles N (default 10000), --repeat N (runs per query, default 7).
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from support.kb.models import Article, ArticleTranslation, Category  # noqa: E402
from support.kb.search import search as kb_search  # noqa: E402
from support.kb.search import update_search_vectors  # noqa: E402

# Topic words: each article is about a few of them; the rest of its text is filler
# drawn with a Zipf-like skew from a few thousand made-up words (or Chinese words).
ENGLISH_TOPICS = (
    "domain dns record propagation ttl nameserver certificate ssl https renew install email "
    "mailbox spf dkim dmarc bounce backup restore database files php version memory cpu load "
    "wordpress plugin cache cron ssh key sftp invoice payment billing password account "
    "security login server website error timeout redirect disk quota upload"
)
CHINESE_TOPICS = (
    "域名 解析 记录 生效 证书 续期 安装 邮件 邮箱 退信 备份 恢复 数据库 文件 版本 内存 负载 "
    "插件 缓存 计划任务 密钥 发票 付款 账单 重置密码 登录 账户 安全 服务器 网站 错误 超时 "
    "重定向 磁盘 空间 上传"
)
SYLLABLES = "ka lo mi ne ru ta si po de va ge lu re no fi ba zo"
QUERIES = {
    "en": ["dns propagation", "ssl certificate", "restore backup", "php memory", "dkim"],
    "zh-hans": ["重置密码", "密码", "域名解析", "证书续期", "备份"],
}


def vocabulary(rng, chinese, size=3000):
    if chinese:
        characters = [chr(code) for code in range(0x4E00, 0x4E00 + 2500)]
        return ["".join(rng.choices(characters, k=2)) for _ in range(size)]
    syllables = SYLLABLES.split()
    return ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(size)]


def article_text(rng, topics, filler, cum_weights, length, joiner):
    words = rng.choices(filler, cum_weights=cum_weights, k=length)
    for index in range(length):
        if rng.random() < 0.08:
            words[index] = rng.choice(topics)
    return joiner.join(words)


def create_articles(count):
    rng = random.Random(42)
    category, _ = Category.objects.get_or_create(
        slug="benchmark", defaults={"name_en": "Benchmark", "order": 999}
    )
    articles = Article.objects.bulk_create(
        Article(slug=f"bench-{n}", category=category, status="published", visibility="public")
        for n in range(count)
    )
    fillers = {"en": vocabulary(rng, False), "zh-hans": vocabulary(rng, True)}
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(3000)))
    versions = []
    for n, article in enumerate(articles):
        languages = ["en", "zh-hans"] if n % 5 == 0 else [("en", "zh-hans")[n % 2]]
        for language in languages:
            topics = rng.sample((ENGLISH_TOPICS if language == "en" else CHINESE_TOPICS).split(), 3)
            joiner = " " if language == "en" else ""
            title = joiner.join(topics[:2] + rng.sample(fillers[language][:300], 2))
            body = article_text(rng, topics, fillers[language], cum_weights, 300, joiner)
            versions.append(
                ArticleTranslation(
                    article=article,
                    language=language,
                    title=title.capitalize(),
                    summary=body[:120],
                    body=body,
                )
            )
    ArticleTranslation.objects.bulk_create(versions, batch_size=2000)
    update_search_vectors(ArticleTranslation.objects.filter(article__category=category))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kb_articletranslation")
        cursor.execute("ANALYZE kb_article")
    return category, len(versions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the articles")
    options = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see this script's docstring).")
    call_command("migrate", verbosity=0)
    existing = Article.objects.filter(category__slug="benchmark")
    complete = existing.filter(translations__isnull=False).distinct().count()
    if options.keep and complete == existing.count() == options.articles:
        category = Category.objects.get(slug="benchmark")
        print(f"Reusing {options.articles} articles.")
    else:
        existing.delete()
        Category.objects.filter(slug="benchmark").delete()
        started = time.perf_counter()
        category, version_count = create_articles(options.articles)
        print(
            f"Created {options.articles} articles ({version_count} language versions) in "
            f"{time.perf_counter() - started:.1f} s on PostgreSQL {connection.pg_version // 10000}."
        )
    visitor = AnonymousUser()
    all_times = {"en": [], "zh-hans": []}
    try:
        for language, queries in QUERIES.items():
            for query in queries:
                kb_search(visitor, query, language=language)  # warm up
                times = []
                for _ in range(options.repeat):
                    begin = time.perf_counter()
                    results = kb_search(visitor, query, language=language)
                    times.append((time.perf_counter() - begin) * 1000)
                all_times[language].extend(times)
                print(
                    f"  {query!r:24} {len(results):3} results  "
                    f"median {statistics.median(times):7.1f} ms"
                )
        every = all_times["en"] + all_times["zh-hans"]
        print(f"Median English search: {statistics.median(all_times['en']):.1f} ms")
        print(f"Median Chinese search: {statistics.median(all_times['zh-hans']):.1f} ms")
        print(f"Median search over all queries: {statistics.median(every):.1f} ms")
    finally:
        if not options.keep:
            Article.objects.filter(category=category).delete()
            category.delete()


if __name__ == "__main__":
    main()
