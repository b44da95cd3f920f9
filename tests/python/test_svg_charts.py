"""The inline-SVG chart helpers: number formats, ticks, and geometry worked out by hand."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

import pytest

from python_ml import svg_charts
from python_ml.svg_charts import LineSeries, bar_chart, format_number, heatmap, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    """The chart as XML (fails the test if the SVG is not well-formed)."""
    return ElementTree.fromstring(svg)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (1_234_567.0, "money", "£1.23M"),
        (35_120.0, "money", "£35.1k"),
        (42.1, "money", "£42.10"),
        (-27.5, "money", "-£27.50"),
        (500.0, "money", "£500"),
        (0.0, "money", "£0"),
        (0.1534, "percent", "15.3%"),
        (4372.4, "integer", "4,372"),
        (0.8312, "number", "0.831"),
        (12_345.6, "number", "12,346"),
        (None, "number", "–"),
        (float("nan"), "percent", "–"),
    ],
)
def test_format_number(value: float | None, kind: str, expected: str) -> None:
    assert format_number(value, kind) == expected


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0, 1_460_000) == [0, 500_000, 1_000_000, 1_500_000]
    assert nice_ticks(0, 0.62) == [0, 0.2, 0.4, 0.6, 0.8]
    assert nice_ticks(-30, 95) == [-50, 0, 50, 100]
    # A flat series still gets a range to draw in.
    assert nice_ticks(3, 3) == [3, 4, 5, 6]


def test_horizontal_bars_are_proportional_to_their_values() -> None:
    svg = bar_chart("sizes", ["a", "b"], [("customers", [10.0, 40.0])], value_kind="integer", width=640)
    rects = parse(svg).findall(f"{SVG}rect")

    # Ticks 0..40 span x from the label column to width - 70, so 40 fills it and 10 a quarter.
    widths = [float(rect.get("width")) for rect in rects]
    assert widths[1] == pytest.approx(4 * widths[0])
    assert [rect.find(f"{SVG}title").text for rect in rects] == ["a · customers: 10", "b · customers: 40"]
    assert parse(svg).get("data-chart") == "sizes"


def test_grouped_vertical_bars_draw_one_bar_per_series_and_skip_none() -> None:
    svg = bar_chart(
        "deciles",
        ["D1", "D2", "D3"],
        [("predicted", [1.0, 2.0, 3.0]), ("actual", [1.5, None, 2.5])],
        horizontal=False,
    )
    rects = parse(svg).findall(f"{SVG}rect")

    assert len(rects) == 5
    assert [rect.find(f"{SVG}title").text for rect in rects][2:4] == ["D2 · predicted: 2", "D3 · predicted: 3"]


def test_negative_bars_extend_left_of_zero() -> None:
    rects = parse(bar_chart("signed", ["loss", "gain"], [("value", [-10.0, 10.0])])).findall(f"{SVG}rect")
    loss, gain = rects
    assert float(loss.get("x")) + float(loss.get("width")) == pytest.approx(float(gain.get("x")))
    assert float(loss.get("width")) == pytest.approx(float(gain.get("width")))


def test_line_chart_breaks_at_gaps_and_draws_bands() -> None:
    series = LineSeries("forecast", [1.0, 2.0, None, 4.0], bands=(([0.5, 1.5, None, 3.0], [1.5, 2.5, None, 5.0]),))
    root = parse(line_chart("fc", ["d1", "d2", "d3", "d4"], [series], marker_x=2))

    polylines = root.findall(f"{SVG}polyline")
    polygons = root.findall(f"{SVG}polygon")
    # Two runs (d1-d2 and d4) on each side of the gap.
    assert [len(p.get("points").split()) for p in polylines] == [2, 1]
    assert [len(p.get("points").split()) for p in polygons] == [4, 2]
    assert len(root.findall(f"{SVG}circle")) == 3


def test_heatmap_colours_run_from_light_to_dark_and_blank_missing_cells() -> None:
    root = parse(heatmap("cohorts", ["2011-01", "2011-02"], ["0", "1"], [[1.0, 0.25], [1.0, None]], colour_range=(0, 1)))
    fills = [rect.get("fill") for rect in root.findall(f"{SVG}rect")]

    assert fills == [svg_charts.heat_colour(1.0), svg_charts.heat_colour(0.25), svg_charts.heat_colour(1.0)]
    assert svg_charts.heat_colour(0.0) == "#f7fbff" and svg_charts.heat_colour(1.0) == "#08306b"


def test_empty_input_gives_a_message_not_an_error() -> None:
    svg = bar_chart("nothing", [], [("x", [])])
    assert parse(svg).get("data-chart") == "nothing"
    assert "No rows to show." in svg


def test_text_is_escaped() -> None:
    svg = bar_chart("esc", ['<b>"A & B"</b>'], [("s", [1.0])])
    parse(svg)
    assert "<b>" not in svg and "&lt;b&gt;" in svg


def test_same_input_gives_identical_svg() -> None:
    make = lambda: line_chart("same", ["a", "b"], [LineSeries("s", [0.1, 0.2])])  # noqa: E731
    assert make() == make()
    attributes = " ".join(re.findall(r'="([^"]*)"', make()))
    assert not re.search(r"\d\.\d{3,}", attributes), "coordinates are rounded to 2 decimals"


def test_heatmap_prints_cell_labels_instead_of_values_when_given() -> None:
    root = parse(heatmap("profiles", ["c1"], ["spend", "orders"], [[1.0, 0.0]], cell_labels=[["£1,200", "3.5"]], width=400))
    texts = [text.text for text in root.findall(f"{SVG}text")]

    assert "£1,200" in texts and "3.5" in texts
    assert [rect.find(f"{SVG}title").text for rect in root.findall(f"{SVG}rect")] == ["c1 · spend: £1,200", "c1 · orders: 3.5"]
