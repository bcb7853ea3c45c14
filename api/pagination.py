from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first; `cursor` links stay right while rows are added."""

    ordering = ("-created_at", "-pk")
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100


class StartedCursorPagination(CreatedCursorPagination):
    ordering = ("-started_at", "-pk")
