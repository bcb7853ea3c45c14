import difflib
from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from portal.dates import format_datetime
from portal.markdown import render_markdown

from .models import (
    Article,
    ArticleTranslation,
    Category,
    Revision,
    SearchQuery,
    Tag,
    Vote,
    record_revision,
)

ANALYTICS_DAYS = 30


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["name_en", "name_zh_hans", "slug", "order", "ticket_category_slug", "articles"]
    list_editable = ["order"]
    prepopulated_fields = {"slug": ["name_en"]}
    search_fields = ["name_en", "name_zh_hans", "slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def articles(self, obj):
        return obj.article_total


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


class TranslationInline(StackedInline):
    model = ArticleTranslation
    extra = 0
    max_num = 2
    fields = ["language", "title", "summary", "body", "preview"]
    readonly_fields = ["preview"]

    @admin.display(description=_("preview (as last saved)"))
    def preview(self, obj):
        if obj is None or not obj.pk:
            return _("Save to see the preview.")
        return format_html('<div class="kb-admin-preview">{}</div>', render_markdown(obj.body))


class RevisionInline(TabularInline):
    model = Revision
    extra = 0
    fields = ["created_at", "language", "title", "edited_by", "note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    max_num = 0


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("needs review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("yes", _("Needs review")), ("no", _("Up to date"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(needs_review=self.value() == "yes")
        return queryset


@admin.register(Article)
class ArticleAdmin(ModelAdmin):
    list_display = [
        "title_en",
        "category",
        "status",
        "visibility",
        "updated_at",
        "view_count",
        "helpful_ratio_display",
        "needs_review",
        "suggestion_opens",
        "deflections_display",
    ]
    list_display_links = ["title_en"]
    list_filter = [NeedsReviewFilter, "status", "visibility", "category"]
    search_fields = ["slug", "translations__title", "tags__name"]
    list_select_related = ["category"]
    filter_horizontal = ["tags"]
    date_hierarchy = "updated_at"
    inlines = [TranslationInline, RevisionInline]
    actions = ["clear_review_flag", "publish"]
    fieldsets = [
        (None, {"fields": ["slug", "category", "tags"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "visibility"]}),
        (
            _("Readers"),
            {
                "fields": [
                    "view_count",
                    "helpful_count",
                    "not_helpful_count",
                    "needs_review",
                    "review_reason",
                    "suggestion_opens",
                    "tickets_after_suggestion",
                ]
            },
        ),
    ]
    readonly_fields = [
        "view_count",
        "helpful_count",
        "not_helpful_count",
        "suggestion_opens",
        "tickets_after_suggestion",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description=_("title"))
    def title_en(self, obj):
        return obj.translation_for("en").title if obj.translation_for("en") else obj.slug

    @admin.display(description=_("helpful"))
    def helpful_ratio_display(self, obj):
        if obj.helpful_ratio is None:
            return "—"
        return f"{obj.helpful_ratio:.0%} ({obj.votes_total})"

    @admin.display(description=_("deflections"))
    def deflections_display(self, obj):
        return obj.deflections

    def save_formset(self, request, form, formset, change):
        """Each language version saved with changes becomes a revision, with its editor."""
        super().save_formset(request, form, formset, change)
        if formset.model is not ArticleTranslation:
            return
        changed = [f.instance for f in formset.forms if f.instance.pk and f.has_changed()]
        for version in changed:
            record_revision(version, request.user)
        if changed:
            form.instance.touch()

    @admin.action(description=_("Mark selected articles as reviewed"))
    def clear_review_flag(self, request, queryset):
        count = queryset.update(needs_review=False, review_reason="", updated_at=timezone.now())
        self.message_user(request, _("%(count)d articles marked as reviewed.") % {"count": count})

    @admin.action(description=_("Publish selected articles now"))
    def publish(self, request, queryset):
        count = queryset.update(status=Article.Status.PUBLISHED, published_at=timezone.now())
        self.message_user(request, _("%(count)d articles published.") % {"count": count})


@admin.register(Revision)
class RevisionAdmin(ModelAdmin):
    list_display = ["article", "language", "title", "edited_by", "note", "created_at"]
    list_filter = ["language"]
    list_select_related = ["article", "edited_by"]
    search_fields = ["article__slug", "title"]
    fields = [
        "article",
        "language",
        "edited_by",
        "created_at",
        "note",
        "title",
        "summary",
        "changes",
    ]
    readonly_fields = fields
    actions = ["revert"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("changes from the previous revision"))
    def changes(self, obj):
        previous = obj.previous()
        before = previous.body.splitlines() if previous else []
        diff = difflib.unified_diff(
            before, obj.body.splitlines(), "previous", "this revision", lineterm=""
        )
        return format_html("<pre>{}</pre>", "\n".join(diff) or _("No changes to the body."))

    @admin.action(description=_("Revert the article to the selected revision"))
    def revert(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one revision."), messages.ERROR)
            return
        revision = queryset.get()
        revision.revert(request.user)
        self.message_user(
            request,
            _("%(article)s (%(language)s) is back to the revision of %(date)s.")
            % {
                "article": revision.article.slug,
                "language": revision.language,
                "date": format_datetime(revision.created_at),
            },
        )


@admin.register(Vote)
class VoteAdmin(ModelAdmin):
    list_display = ["article", "helpful", "comment", "user", "updated_at"]
    list_filter = ["helpful"]
    list_select_related = ["article", "user"]
    search_fields = ["article__slug", "comment"]
    readonly_fields = ["article", "user", "visitor_id", "helpful", "comment", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SearchQuery)
class SearchQueryAdmin(ModelAdmin):
    """Search analytics: the log, plus the top queries and those with no result."""

    change_list_template = "kb/admin/searchquery_change_list.html"
    list_display = ["query", "language", "result_count", "created_at"]
    list_filter = ["language", "created_at"]
    search_fields = ["query"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        since = timezone.now() - timedelta(days=ANALYTICS_DAYS)
        recent = SearchQuery.objects.filter(created_at__gte=since)
        grouped = recent.values("query", "language").annotate(
            searches=Count("pk"), empty=Count("pk", filter=Q(result_count=0))
        )
        extra_context = {
            **(extra_context or {}),
            "analytics_days": ANALYTICS_DAYS,
            "top_queries": grouped.order_by("-searches", "query")[:20],
            "content_gaps": grouped.filter(empty__gt=0).order_by("-empty", "query")[:20],
        }
        return super().changelist_view(request, extra_context=extra_context)
