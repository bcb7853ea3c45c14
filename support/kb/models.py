"""Knowledge-base articles in English and Chinese, their votes, history and search log.

Every list, search, suggestion, feed and the sitemap goes through
`Article.objects.visible_to(user)`, so drafts and internal articles never leak.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
REVIEW_AFTER = timedelta(days=365)
REVIEW_MIN_NO_VOTES = 5
REVIEW_NO_RATIO = 0.5


def current_language():
    return "zh-hans" if (translation.get_language() or "en").startswith("zh") else "en"


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    order = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    ticket_category_slug = models.SlugField(
        _("ticket category"),
        blank=True,
        help_text=_(
            "Slug of the support-ticket category pre-selected when a reader clicks "
            "“Open a ticket”, e.g. email or domain-dns."
        ),
    )

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("kb:category", args=[self.slug])

    @property
    def name(self):
        if current_language() == "zh-hans" and self.name_zh_hans:
            return self.name_zh_hans
        return self.name_en

    @property
    def description(self):
        if current_language() == "zh-hans" and self.description_zh_hans:
            return self.description_zh_hans
        return self.description_en


class Tag(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name


def readable_by(user, through=""):
    """What this person may read: staff everything, customers public and customer
    articles, visitors public ones; drafts only for staff. As a condition on articles,
    or (through="article__") on rows that belong to one."""
    if user is not None and user.is_authenticated and user.is_staff:
        return Q()
    allowed = [Article.Visibility.PUBLIC]
    if user is not None and user.is_authenticated:
        allowed.append(Article.Visibility.CUSTOMERS)
    return Q(
        **{
            f"{through}status": Article.Status.PUBLISHED,
            f"{through}published_at__lte": timezone.now(),
            f"{through}visibility__in": allowed,
        }
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def visible_to(self, user):
        """The articles this person may read (readable_by)."""
        return self.filter(readable_by(user))

    def with_translations(self):
        return self.select_related("category").prefetch_related("translations")


class Article(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        CUSTOMERS = "customers", _("Customers (signed in)")
        INTERNAL = "internal", _("Internal (staff only)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), unique=True, max_length=120)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        _("publish date"),
        default=timezone.now,
        help_text=_("A published article appears from this moment on."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last updated"), default=timezone.now, db_index=True)
    view_count = models.PositiveIntegerField(_("views"), default=0, db_index=True)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    needs_review = models.BooleanField(_("needs review"), default=False, db_index=True)
    review_reason = models.CharField(_("review reason"), max_length=200, blank=True)
    suggestion_opens = models.PositiveIntegerField(
        _("opened from ticket form"),
        default=0,
        help_text=_("How often this article was opened from the new-ticket form's suggestions."),
    )
    tickets_after_suggestion = models.PositiveIntegerField(
        _("tickets submitted after opening"), default=0
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["status", "visibility", "published_at"])]

    def __str__(self):
        return self.slug

    def get_absolute_url(self):
        return reverse("kb:article", args=[self.category.slug, self.slug])

    def translation_for(self, language=None):
        """The reader's language version, or the other one (uses prefetched rows)."""
        language = language or current_language()
        versions = {t.language: t for t in self.translations.all()}
        return versions.get(language) or next(iter(versions.values()), None)

    @property
    def translation(self):
        return self.translation_for()

    @property
    def title(self):
        version = self.translation
        return version.title if version else self.slug

    @property
    def summary(self):
        version = self.translation
        return version.summary if version else ""

    @property
    def votes_total(self):
        return self.helpful_count + self.not_helpful_count

    @property
    def helpful_ratio(self):
        """Share of Yes votes (0–1), or None before anyone voted."""
        return self.helpful_count / self.votes_total if self.votes_total else None

    @property
    def deflections(self):
        """Opened from the ticket form, then no ticket submitted."""
        return max(self.suggestion_opens - self.tickets_after_suggestion, 0)

    @property
    def is_live(self):
        return self.status == self.Status.PUBLISHED and self.published_at <= timezone.now()

    def count_view(self):
        Article.objects.filter(pk=self.pk).update(view_count=F("view_count") + 1)

    def refresh_vote_counts(self):
        counts = self.votes.aggregate(
            yes=models.Count("pk", filter=Q(helpful=True)),
            no=models.Count("pk", filter=Q(helpful=False)),
        )
        self.helpful_count, self.not_helpful_count = counts["yes"], counts["no"]
        self.needs_review, self.review_reason = self.review_state()
        Article.objects.filter(pk=self.pk).update(
            helpful_count=self.helpful_count,
            not_helpful_count=self.not_helpful_count,
            needs_review=self.needs_review,
            review_reason=self.review_reason,
        )

    def review_state(self):
        """(needs_review, reason): raised by many No votes or by age; kept once raised."""
        if (
            self.not_helpful_count >= REVIEW_MIN_NO_VOTES
            and self.not_helpful_count >= self.votes_total * REVIEW_NO_RATIO
        ):
            return True, str(_("Many readers found it unhelpful."))
        if self.updated_at < timezone.now() - REVIEW_AFTER:
            return True, str(_("Not updated for a year."))
        return self.needs_review, self.review_reason

    def touch(self):
        self.updated_at = timezone.now()
        Article.objects.filter(pk=self.pk).update(updated_at=self.updated_at)


class ArticleTranslation(models.Model):
    """One language version of an article; the article's slug is shared."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"))
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Weighted title (A) over body (B); filled on PostgreSQL, GIN-indexed in a migration.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["language"]
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="kb_one_version_per_language"
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .search import update_search_vectors

        update_search_vectors(ArticleTranslation.objects.filter(pk=self.pk))


class Revision(models.Model):
    """A snapshot of one language version, taken each time an editor saves it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        return f"{self.article.slug} ({self.language}) {self.created_at:%Y-%m-%d %H:%M}"

    def previous(self):
        return (
            Revision.objects.filter(article=self.article_id, language=self.language)
            .filter(
                Q(created_at__lt=self.created_at) | Q(created_at=self.created_at, pk__lt=self.pk)
            )
            .order_by("-created_at", "-pk")
            .first()
        )

    @transaction.atomic
    def revert(self, user):
        """Put this revision's text back and record that as a new revision."""
        version, _created = ArticleTranslation.objects.update_or_create(
            article=self.article,
            language=self.language,
            defaults={"title": self.title, "summary": self.summary, "body": self.body},
        )
        self.article.touch()
        return record_revision(version, user, note=f"Reverted to revision #{self.pk}")


def record_revision(version, user, note=""):
    return Revision.objects.create(
        article=version.article,
        language=version.language,
        title=version.title,
        summary=version.summary,
        body=version.body,
        edited_by=user if user is not None and user.is_authenticated else None,
        note=note,
    )


class Vote(models.Model):
    """One per visitor per article: a signed-in person, or a signed anonymous cookie id."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    visitor_id = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="kb_one_vote_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "visitor_id"],
                condition=Q(user__isnull=True),
                name="kb_one_vote_per_visitor",
            ),
        ]

    def __str__(self):
        return f"{self.article.slug}: {'yes' if self.helpful else 'no'}"


class SearchQuery(models.Model):
    """One search made on /kb/search/: what people look for, and what they don't find."""

    query = models.CharField(_("query"), max_length=200, db_index=True)
    language = models.CharField(_("language"), max_length=10, choices=LANGUAGES)
    result_count = models.PositiveIntegerField(_("results"))
    created_at = models.DateTimeField(_("searched at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("search query")
        verbose_name_plural = _("search queries")

    def __str__(self):
        return self.query
