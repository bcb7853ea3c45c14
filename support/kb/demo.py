"""Demo knowledge base, loaded from support/kb/demo_content/.

Layout: categories.json (list of {slug, order, name_en, name_zh_hans,
description_en, description_zh_hans}) and one file per language version,
<category-slug>/<article-slug>.<en|zh-hans>.md, made of `key: value` header
lines (title, summary, tags, visibility, optional status: draft), a `---` line,
then the Markdown body. Loading is idempotent: a second run changes nothing.
"""

import json
import zlib
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User

from .models import Article, ArticleTranslation, Category, Tag, Vote, record_revision

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"
LANGUAGE_SUFFIXES = (".zh-hans.md", ".en.md")
TICKET_CATEGORIES = {
    "dns-domains": "domain-dns",
    "ssl-certificates": "ssl",
    "email-deliverability": "email",
    "backups": "backups",
    "performance": "performance",
    "wordpress": "website-down",
    "account-security": "security",
    "billing": "billing",
    "ssh-access": "question",
    "websites": "question",
}
DEMO_COMMENTS = [
    "The screenshots don't match my control panel.",
    "I needed the steps for a VPS, not shared hosting.",
    "",
]


def parse_article_file(path):
    """Return (headers, body) of one language version."""
    text = path.read_text(encoding="utf-8")
    head, separator, body = text.partition("\n---\n")
    if not separator:
        raise ValueError(f"{path}: no '---' line between the headers and the body")
    headers = {}
    for line in head.splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return headers, body.strip() + "\n"


def split_file_name(name):
    for suffix in LANGUAGE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)], suffix[1:-3]
    return None, None


def stable_number(text, modulo):
    """The same small number for the same text on every run."""
    return zlib.crc32(text.encode()) % modulo


def seed(stdout=None, content_dir=CONTENT_DIR):
    content_dir = Path(content_dir)
    if not (content_dir / "categories.json").exists():
        if stdout:
            stdout.write("  no knowledge-base demo content found; skipped")
        return
    with transaction.atomic():
        categories = load_categories(content_dir)
        editor = User.objects.filter(is_superuser=True).order_by("pk").first()
        created = 0
        for category in categories.values():
            folder = content_dir / category.slug
            paths = sorted(folder.glob("*.md")) if folder.is_dir() else []
            versions = {}
            for path in paths:
                slug, language = split_file_name(path.name)
                if slug:
                    versions.setdefault(slug, {})[language] = parse_article_file(path)
            for slug, languages in versions.items():
                created += load_article(category, slug, languages, editor)
    if stdout:
        stdout.write(f"  {len(categories)} categories, {created} new articles")


def load_categories(content_dir):
    categories = {}
    for entry in json.loads((content_dir / "categories.json").read_text(encoding="utf-8")):
        defaults = {
            "order": entry.get("order", 0),
            "name_en": entry["name_en"],
            "name_zh_hans": entry.get("name_zh_hans", ""),
            "description_en": entry.get("description_en", ""),
            "description_zh_hans": entry.get("description_zh_hans", ""),
            "ticket_category_slug": TICKET_CATEGORIES.get(entry["slug"], ""),
        }
        category, created = Category.objects.get_or_create(slug=entry["slug"], defaults=defaults)
        if not created and any(getattr(category, k) != v for k, v in defaults.items()):
            Category.objects.filter(pk=category.pk).update(**defaults)
        categories[category.slug] = category
    return categories


def load_article(category, slug, languages, editor):
    """Create the article once; afterwards only bring changed texts up to date."""
    headers = languages.get("en", languages.get("zh-hans"))[0]
    number = stable_number(slug, 1000)
    now = timezone.now()
    article, created = Article.objects.get_or_create(
        slug=slug,
        defaults={
            "category": category,
            "visibility": headers.get("visibility", "public"),
            "status": "draft" if headers.get("status") == "draft" else "published",
            "published_at": now - timedelta(days=200 + number % 100),
            "created_at": now - timedelta(days=200 + number % 100),
            "view_count": 40 + number * 3,
        },
    )
    if created:
        for name in (t.strip() for t in headers.get("tags", "").split(",")):
            if name and slugify(name):
                tag, _tag_created = Tag.objects.get_or_create(
                    slug=slugify(name), defaults={"name": name}
                )
                article.tags.add(tag)
    for language, (version_headers, body) in languages.items():
        fields = {
            "title": version_headers.get("title", slug),
            "summary": version_headers.get("summary", "")[:300],
            "body": body,
        }
        version = ArticleTranslation.objects.filter(article=article, language=language).first()
        if version is None:
            version = ArticleTranslation.objects.create(
                article=article, language=language, **fields
            )
            record_revision(version, editor, note="Imported")
        elif any(getattr(version, key) != value for key, value in fields.items()):
            for key, value in fields.items():
                setattr(version, key, value)
            version.save()
            record_revision(version, editor, note="Updated from demo content")
            article.touch()
    if created:
        add_demo_votes(article, number)
        Article.objects.filter(pk=article.pk).update(
            updated_at=now - timedelta(days=number % 90, hours=number % 24)
        )
    return int(created)


def add_demo_votes(article, number):
    yes_votes, no_votes = 3 + number % 9, number % 4
    for index in range(yes_votes + no_votes):
        helpful = index < yes_votes
        Vote.objects.get_or_create(
            article=article,
            user=None,
            visitor_id=f"demo-{index}",
            defaults={
                "helpful": helpful,
                "comment": "" if helpful else DEMO_COMMENTS[index % len(DEMO_COMMENTS)],
            },
        )
    article.refresh_vote_counts()
