from portal.charts import column_chart


def test_columns_are_drawn_as_svg_rects_with_escaped_titles():
    chart = column_chart(
        ["<1>", "2"],
        [("created", [4, None], "created")],
        chart_id="chart",
        axis_label="Tickets",
    )
    # One column (a None value draws none), 80 % of its 330-wide slot, on a 0–4 axis.
    assert str(chart["columns_svg"]) == (
        '<rect x="81.0" y="12.0" width="264.0" height="180.0" class="column created">'
        "<title>&lt;1&gt;: created 4</title></rect>"
    )
