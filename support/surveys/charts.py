"""Horizontal bar charts as plain numbers for an SVG template: readable labels, axis and values."""

from django.utils.formats import number_format

ROW_HEIGHT = 28
LABEL_WIDTH = 190
PLOT_WIDTH = 420
VALUE_WIDTH = 110
TOP = 10
BOTTOM = 46


def bar_chart(rows, *, minimum, maximum, ticks, axis_label, chart_id):
    """rows: [(label, value or None, answers)]; a None value shows "no answers"."""
    span = maximum - minimum

    def x_of(value):
        return LABEL_WIDTH + (value - minimum) / span * PLOT_WIDTH

    zero = x_of(max(minimum, 0))
    bars = []
    for index, (label, value, answers) in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        bar = {
            "label": str(label),
            "short_label": _shorten(str(label)),
            "y": y,
            "text_y": y + ROW_HEIGHT / 2 + 4,
            "answers": answers,
            "value": value,
        }
        if value is not None:
            end = x_of(value)
            bar.update(
                x=min(zero, end),
                width=max(abs(end - zero), 1.5),
                negative=value < 0,
                value_text=number_format(value, 1),
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


def _shorten(text, limit=26):
    return text if len(text) <= limit else text[: limit - 1] + "…"
