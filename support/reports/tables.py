"""A table of a report: the page and its CSV are drawn from the same rows.

A column has a kind that says how a value reads: "text", "count", "percent" (one
decimal), "minutes" (a duration on the page, a number of minutes in the CSV) or "link"
(a (text, url) pair; the CSV has the text), "uptime" (three decimals), "decimal" (two).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"


@dataclass
class Table:
    id: str
    title: str
    columns: list
    rows: list = field(default_factory=list)  # dicts keyed by column key
    note: str = ""

    def cells(self):
        """Rows as [(column, value)] for the template."""
        return [[(column, row.get(column.key)) for column in self.columns] for row in self.rows]

    def csv_rows(self):
        yield [str(column.label) for column in self.columns]
        for row in self.rows:
            yield [csv_value(column, row.get(column.key)) for column in self.columns]


DECIMALS = {"percent": 1, "minutes": 1, "uptime": 3, "decimal": 2}


def csv_value(column, value):
    if value is None:
        return ""
    if column.kind == "link":
        return str(value[0])
    if isinstance(value, int | float) and column.kind in DECIMALS:
        return f"{value:.{DECIMALS[column.kind]}f}"
    return str(value) if not isinstance(value, int | float) else value
