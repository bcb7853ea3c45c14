"""Server-rendered SVG charts as plain numbers for the templates in templates/includes/charts/.

`bar_chart` draws horizontal bars with readable labels, an axis and values (survey
results, report breakdowns); `column_chart` draws values over time as columns, with an
optional line (tickets per day, monthly trends). No JavaScript, no inline styles: the
look comes from static/css/charts.css.
"""

from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

ROW_HEIGHT = 28
LABEL_WIDTH = 190
PLOT_WIDTH = 420
VALUE_WIDTH = 110
TOP = 10
BOTTOM = 46


def bar_chart(rows, *, minimum, maximum, ticks, axis_label, chart_id, decimals=1, note="n={}"):
    """rows: [(label, value or None, count)]; a None value shows "no answers".

    `note` formats the count shown after each value ("n=12"); None shows no count.
    """
    span = (maximum - minimum) or 1

    def x_of(value):
        return LABEL_WIDTH + (min(max(value, minimum), maximum) - minimum) / span * PLOT_WIDTH

    zero = x_of(max(minimum, 0))
    bars = []
    for index, (label, value, count) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        bar = {
            "label": str(label),
            "short_label": _shorten(str(label)),
            "y": y,
            "text_y": y + ROW_HEIGHT / 2 + 4,
            "answers": count,
            "note": f"({note.format(count)})" if note and count is not None else "",
            "value": value,
        }
        if value is not None:
            end = x_of(value)
            bar.update(
                x=min(zero, end),
                width=max(abs(end - zero), 1.5),
                negative=value < 0,
                value_text=floatformat(value, decimals),
            )
        bars.append(bar)
    plot_bottom = TOP + len(rows) * ROW_HEIGHT
    return {
        "id": chart_id,
        "bars": bars,
        "width": LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH,
        "height": plot_bottom + BOTTOM,
        "plot_left": LABEL_WIDTH,
        "plot_right": LABEL_WIDTH + PLOT_WIDTH,
        "plot_top": TOP,
        "plot_bottom": plot_bottom,
        "value_x": LABEL_WIDTH + PLOT_WIDTH + 8,
        "zero_x": zero,
        "bar_height": ROW_HEIGHT - 10,
        "ticks": [{"x": x_of(tick), "label": number_format(tick, 0)} for tick in ticks],
        "tick_label_y": plot_bottom + 16,
        "axis_label": axis_label,
        "axis_label_x": LABEL_WIDTH + PLOT_WIDTH / 2,
        "axis_label_y": plot_bottom + 36,
    }


COLUMN_LEFT = 48
COLUMN_PLOT_WIDTH = 660
COLUMN_PLOT_HEIGHT = 180
COLUMN_TOP = 12
COLUMN_BOTTOM = 56


def nice_maximum(value):
    """A round number at or above `value` for the top of an axis."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for multiple in (1, 2, 4, 8, 10):
        if step * multiple >= value:
            return step * multiple
    return step * 10


def column_chart(labels, series, *, chart_id, axis_label, line=None, maximum=None, every=1):
    """Columns per label for each series [(name, values, css class)], side by side, and an
    optional line (name, values, css class) on the same axis. `every`: label every n-th."""
    values = [value for _name, data, _css in series for value in data if value is not None]
    if line:
        values += [value for value in line[1] if value is not None]
    top = maximum if maximum is not None else nice_maximum(max(values, default=0))
    slot = COLUMN_PLOT_WIDTH / max(len(labels), 1)
    width = max(slot * 0.8 / max(len(series), 1), 1)
    bottom = COLUMN_TOP + COLUMN_PLOT_HEIGHT

    def y_of(value):
        return bottom - (min(value, top) / top) * COLUMN_PLOT_HEIGHT

    columns = []
    for index, label in enumerate(labels):
        left = COLUMN_LEFT + index * slot + slot * 0.1
        for number, (name, data, css) in enumerate(series):
            value = data[index]
            if value is None:
                continue
            y = y_of(value)
            columns.append(
                {
                    "x": left + number * width,
                    "y": y,
                    "width": width,
                    "height": max(bottom - y, 0),
                    "css": css,
                    "title": f"{label}: {name} {number_format(value)}",
                }
            )
    points = ""
    if line:
        points = " ".join(
            f"{COLUMN_LEFT + (index + 0.5) * slot:.1f},{y_of(value):.1f}"
            for index, value in enumerate(line[1])
            if value is not None
        )
    ticks = [top * share for share in (0, 0.25, 0.5, 0.75, 1)]
    return {
        "id": chart_id,
        "width": COLUMN_LEFT + COLUMN_PLOT_WIDTH + 12,
        "height": bottom + COLUMN_BOTTOM,
        "plot_left": COLUMN_LEFT,
        "plot_right": COLUMN_LEFT + COLUMN_PLOT_WIDTH,
        "plot_bottom": bottom,
        "columns": columns,
        "columns_svg": _columns_svg(columns),
        "line_points": points,
        "line_css": line[2] if line else "",
        "ticks": [
            {"y": y_of(tick), "label": number_format(tick, 0 if top >= 4 else 1)} for tick in ticks
        ],
        "labels": [
            {"x": COLUMN_LEFT + (index + 0.5) * slot, "text": str(label)}
            for index, label in enumerate(labels)
            if index % every == 0
        ],
        "label_y": bottom + 16,
        "legend": [{"name": name, "css": css} for name, _data, css in series]
        + ([{"name": line[0], "css": line[2]}] if line else []),
        "legend_y": bottom + 44,
        "axis_label": axis_label,
    }


def _columns_svg(columns):
    """The columns' <rect> elements, drawn here: a year per day is 730 of them, which cost
    more through the template than the rest of the page."""
    return mark_safe(
        "".join(
            f'<rect x="{column["x"]:.1f}" y="{column["y"]:.1f}" width="{column["width"]:.1f}"'
            f' height="{column["height"]:.1f}" class="column {escape(column["css"])}">'
            f"<title>{escape(column['title'])}</title></rect>"
            for column in columns
        )
    )


def _shorten(text, limit=26):
    return text if len(text) <= limit else text[: limit - 1] + "…"
