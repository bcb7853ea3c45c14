"""CSV downloads that spreadsheets open safely (survey results, reports)."""

import csv
import io

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """Text a spreadsheet won't run as a formula: a leading = + - @ tab or CR gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_rows(rows, stream):
    writer = csv.writer(stream)
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])


def csv_response(rows, filename):
    """An attachment download of `rows` (lists of cells), every cell made formula-safe."""
    stream = io.StringIO()
    write_rows(rows, stream)
    response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
