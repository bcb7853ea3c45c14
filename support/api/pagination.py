from django.core.exceptions import ValidationError
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

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A bad cursor is a bad request (400), not a missing page."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self.invalid_cursor() from None
        if cursor is not None and not self.is_valid_position(cursor.position):
            raise self.invalid_cursor()
        return cursor

    def invalid_cursor(self):
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})

    def is_valid_position(self, position):
        """Whether the cursor's position reads as a value of the first ordering field."""
        if position is None:
            return True
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        try:
            field.to_python(position)
        except ValidationError:
            return False
        return True


class StartedCursorPagination(CreatedCursorPagination):
    ordering = ("-started_at", "-pk")
