from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first; `cursor` links stay right while rows are added."""

    ordering = ("-created_at", "-pk")
    page_size = 25
    page_size_query_param = "limit"
    max_page_size = 100
    invalid_cursor_message = _("This cursor is not one we gave out.")

    def decode_cursor(self, request):
        """A bad cursor is a bad request (400), not a missing page."""
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None


class StartedCursorPagination(CreatedCursorPagination):
    ordering = ("-started_at", "-pk")
