"""Small inline-SVG charts for the offline HTML report: bars, lines with interval bands, heatmaps.

Each function takes plain Python sequences and returns one `<svg>` element as a string, sized
by its viewBox so it scales with the page. Nothing is fetched and no script is needed: hovering a
bar, point or cell shows its exact value through the SVG `<title>` tooltip. Output depends only
on the input, so the same data gives byte-identical SVG.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Colour-blind-safe palette (Okabe-Ito), series in this order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = "font-family=\"system-ui, sans-serif\" font-size=\"11\""
Formatter = Callable[[float], str]


@dataclass(frozen=True)
class LineSeries:
    """One line of a line chart: y per x position (None = gap), optional band(s) around it.

    `bands` are (lower, upper) sequences aligned with `values`, drawn widest first, e.g. the
    95 % then the 80 % prediction interval.
    """

    name: str
    values: Sequence[float | None]
    bands: Sequence[tuple[Sequence[float | None], Sequence[float | None]]] = ()
    dashed: bool = False


def format_number(value: float | None, kind: str = "number") -> str:
    """A value for a label: kind 'money' (£1.23M, £35.1k, £500, £42.10: whole pounds without pence), 'percent' (0.153 → 15.3%),
    'integer' (4,372), 'number' (3 significant decimals, thousands separated). None → '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "integer":
        return f"{round(value):,}"
    if kind == "money":
        sign, magnitude = ("-" if value < 0 else ""), abs(value)
        if magnitude >= 1e6:
            return f"{sign}£{magnitude / 1e6:,.2f}M"
        if magnitude >= 1e4:
            return f"{sign}£{magnitude / 1e3:,.1f}k"
        if magnitude == int(magnitude):
            return f"{sign}£{magnitude:,.0f}"
        return f"{sign}£{magnitude:,.2f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def formatter(kind: str) -> Formatter:
    """format_number bound to one kind."""
    return lambda value: format_number(value, kind)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^n) covering [low, high], about `count` of them."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high == low:
        high = low + (abs(low) or 1.0)
    raw_step = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    start = math.floor(low / step) * step
    ticks = []
    tick = start
    while tick < high + step * 0.5:
        ticks.append(round(tick, 12))
        tick += step
    if ticks[-1] < high:
        ticks.append(round(tick, 12))
    return ticks


def num(value: float) -> str:
    """A coordinate with at most 2 decimals, trailing zeros dropped (keeps the SVG small)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def svg_open(chart_id: str, width: int, height: int, label: str) -> str:
    """The opening `<svg>` tag, scalable, with the chart id the report test looks for."""
    return (
        f'<svg class="chart" data-chart="{escape(chart_id)}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
    )


def legend(names: Sequence[str], x: float, y: float, dashed: Sequence[bool] = ()) -> str:
    """A one-line legend starting at (x, y): a swatch and a name per series."""
    parts = []
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        style = ' stroke-dasharray="4 3"' if index < len(dashed) and dashed[index] else ""
        parts.append(
            f'<line x1="{num(x)}" y1="{num(y)}" x2="{num(x + 14)}" y2="{num(y)}" stroke="{colour}" '
            f'stroke-width="4"{style}/><text x="{num(x + 18)}" y="{num(y + 4)}">{escape(name)}</text>'
        )
        x += 30 + 6.5 * len(name)
    return "".join(parts)


def empty_chart(chart_id: str, message: str, width: int = 640, height: int = 80) -> str:
    """A chart frame with a message instead of data (no rows to draw)."""
    return (
        svg_open(chart_id, width, height, message)
        + f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#666">{escape(message)}</text></svg>'
    )


def bar_chart(
    chart_id: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    value_kind: str = "number",
    horizontal: bool = True,
    width: int = 640,
) -> str:
    """Bars per category, one bar per series side by side (grouped when several series).

    Horizontal bars suit long category names (segments, products); vertical bars suit ordered
    categories (months, deciles). Values are labelled at the bar end; None draws no bar.
    """
    if not categories or not series:
        return empty_chart(chart_id, "No rows to show.", width)
    fmt = formatter(value_kind)
    values = [v for _, vs in series for v in vs if v is not None]
    low = min(0.0, *values) if values else 0.0
    high = max(0.0, *values) if values else 1.0
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    groups = len(series)
    show_legend = groups > 1
    top = 28 if show_legend else 10
    parts = []
    if horizontal:
        # About 6.8 px per character at 11 px; long labels get at most half the width.
        label_width = min(width * 0.5, 12 + 6.8 * max(len(c) for c in categories))
        bar = 14
        band = bar * groups + 8
        height = int(top + band * len(categories) + 28)
        left, right = label_width, width - 70
        scale = (right - left) / (high - low)
        zero = left + (0 - low) * scale
        plot_bottom = top + band * len(categories)
        for tick in ticks:
            x = left + (tick - low) * scale
            parts.append(
                f'<line x1="{num(x)}" y1="{top}" x2="{num(x)}" y2="{num(plot_bottom)}" stroke="#e5e5e5"/>'
                f'<text x="{num(x)}" y="{num(plot_bottom + 14)}" text-anchor="middle" fill="#555">{escape(fmt(tick))}</text>'
            )
        for row, category in enumerate(categories):
            y0 = top + row * band + 4
            parts.append(
                f'<text x="{num(left - 6)}" y="{num(y0 + bar * groups / 2 + 4)}" text-anchor="end">'
                f"{escape(category)}</text>"
            )
            for index, (name, vs) in enumerate(series):
                value = vs[row]
                if value is None:
                    continue
                x = left + (value - low) * scale
                y = y0 + index * bar
                colour = PALETTE[index % len(PALETTE)]
                parts.append(
                    f'<rect class="bar" x="{num(min(x, zero))}" y="{num(y)}" width="{num(abs(x - zero))}" '
                    f'height="{bar - 2}" fill="{colour}"><title>{escape(category)} · {escape(name)}: '
                    f'{escape(fmt(value))}</title></rect>'
                    f'<text x="{num(max(x, zero) + 4)}" y="{num(y + bar - 4)}" fill="#333">{escape(fmt(value))}</text>'
                )
        parts.append(f'<line x1="{num(zero)}" y1="{top}" x2="{num(zero)}" y2="{num(plot_bottom)}" stroke="#999"/>')
    else:
        height = 300
        left, right, bottom = 64, width - 12, height - 48
        plot_top = top
        scale = (bottom - plot_top) / (high - low)
        zero = bottom - (0 - low) * scale
        band = (right - left) / len(categories)
        bar = max(2.0, (band - 6) / groups)
        for tick in ticks:
            y = bottom - (tick - low) * scale
            parts.append(
                f'<line x1="{left}" y1="{num(y)}" x2="{right}" y2="{num(y)}" stroke="#e5e5e5"/>'
                f'<text x="{left - 6}" y="{num(y + 4)}" text-anchor="end" fill="#555">{escape(fmt(tick))}</text>'
            )
        label_every = max(1, math.ceil(len(categories) / 16))
        for column, category in enumerate(categories):
            x0 = left + column * band + 3
            if column % label_every == 0:
                parts.append(
                    f'<text x="{num(x0 + band / 2 - 3)}" y="{bottom + 14}" text-anchor="middle">{escape(category)}</text>'
                )
            for index, (name, vs) in enumerate(series):
                value = vs[column]
                if value is None:
                    continue
                y = bottom - (value - low) * scale
                colour = PALETTE[index % len(PALETTE)]
                parts.append(
                    f'<rect class="bar" x="{num(x0 + index * bar)}" y="{num(min(y, zero))}" width="{num(bar - 1)}" '
                    f'height="{num(abs(zero - y))}" fill="{colour}"><title>{escape(category)} · {escape(name)}: '
                    f"{escape(fmt(value))}</title></rect>"
                )
        parts.append(f'<line x1="{left}" y1="{num(zero)}" x2="{right}" y2="{num(zero)}" stroke="#999"/>')
    if show_legend:
        parts.append(legend([name for name, _ in series], 10, 12))
    label = ", ".join(name for name, _ in series) + " by category"
    return svg_open(chart_id, width, height, label) + "".join(parts) + "</svg>"


def line_chart(
    chart_id: str,
    x_labels: Sequence[str],
    series: Sequence[LineSeries],
    *,
    value_kind: str = "number",
    x_title: str = "",
    width: int = 640,
    height: int = 300,
    marker_x: int | None = None,
) -> str:
    """Lines over shared x positions (labels thinned to fit), each with optional interval bands.

    Bands are translucent areas in the series colour; `marker_x` draws a vertical rule before
    that x position (e.g. where the forecast starts). Points carry tooltips with their value.
    """
    if not x_labels or not series:
        return empty_chart(chart_id, "No rows to show.", width)
    fmt = formatter(value_kind)
    values = [
        v
        for s in series
        for seq in (s.values, *(bound for band in s.bands for bound in band))
        for v in seq
        if v is not None
    ]
    if not values:
        return empty_chart(chart_id, "No values to show.", width)
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    top = 28
    left, right, bottom = 64, width - 12, height - (44 if x_title else 30)
    step = (right - left) / max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return left + index * step

    def y_at(value: float) -> float:
        return bottom - (value - low) * (bottom - top) / (high - low)

    parts = []
    for tick in ticks:
        y = y_at(tick)
        parts.append(
            f'<line x1="{left}" y1="{num(y)}" x2="{right}" y2="{num(y)}" stroke="#e5e5e5"/>'
            f'<text x="{left - 6}" y="{num(y + 4)}" text-anchor="end" fill="#555">{escape(fmt(tick))}</text>'
        )
    label_every = max(1, math.ceil(len(x_labels) / 8))
    for index, label in enumerate(x_labels):
        if index % label_every == 0:
            parts.append(f'<text x="{num(x_at(index))}" y="{bottom + 14}" text-anchor="middle">{escape(label)}</text>')
    if x_title:
        parts.append(f'<text x="{num((left + right) / 2)}" y="{height - 6}" text-anchor="middle" fill="#555">{escape(x_title)}</text>')
    if marker_x is not None:
        x = x_at(marker_x) - step / 2
        parts.append(f'<line x1="{num(x)}" y1="{top}" x2="{num(x)}" y2="{bottom}" stroke="#999" stroke-dasharray="3 3"/>')
    for index, line in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        for lower, upper in line.bands:
            for run in runs_of_points(lower, upper):
                outline = [f"{num(x_at(i))},{num(y_at(lower[i]))}" for i in run]
                outline += [f"{num(x_at(i))},{num(y_at(upper[i]))}" for i in reversed(run)]
                parts.append(
                    f'<polygon class="band" points="{" ".join(outline)}" fill="{colour}" fill-opacity="0.18" stroke="none"/>'
                )
        dash = ' stroke-dasharray="5 3"' if line.dashed else ""
        for run in runs_of_points(line.values):
            points = " ".join(f"{num(x_at(i))},{num(y_at(line.values[i]))}" for i in run)
            parts.append(
                f'<polyline class="line" points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
        if len(x_labels) <= 60:
            for i, value in enumerate(line.values):
                if value is not None:
                    parts.append(
                        f'<circle cx="{num(x_at(i))}" cy="{num(y_at(value))}" r="2.5" fill="{colour}">'
                        f"<title>{escape(line.name)} · {escape(x_labels[i])}: {escape(fmt(value))}</title></circle>"
                    )
    parts.append(legend([s.name for s in series], 10, 12, [s.dashed for s in series]))
    label = ", ".join(s.name for s in series)
    return svg_open(chart_id, width, height, label) + "".join(parts) + "</svg>"


def runs_of_points(*sequences: Sequence[float | None]) -> list[list[int]]:
    """Index runs where every sequence has a value (a None in any of them breaks the line)."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index in range(len(sequences[0])):
        if all(seq[index] is not None for seq in sequences):
            current.append(index)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def heat_colour(share: float) -> str:
    """White → deep blue for a share in [0, 1] (clamped)."""
    share = min(max(share, 0.0), 1.0)
    start, end = (247, 251, 255), (8, 48, 107)
    red, green, blue = (round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"


def heatmap(
    chart_id: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    value_kind: str = "percent",
    x_title: str = "",
    width: int = 720,
    show_values: bool = True,
    colour_range: tuple[float, float] | None = None,
    cell_labels: Sequence[Sequence[str]] | None = None,
) -> str:
    """A grid of cells, one row per row label, coloured by value (None = blank cell).

    Colours run from the smallest to the largest value, or over `colour_range` when given (e.g.
    (0, 1) for shares). Cells print their value, or `cell_labels` (same shape) when given, e.g.
    the raw figure behind a scaled colour; text is left out when the cells are too narrow.
    """
    if not row_labels or not column_labels:
        return empty_chart(chart_id, "No rows to show.", width)
    fmt = formatter(value_kind)
    present = [v for row in values for v in row if v is not None]
    low, high = colour_range or ((min(present), max(present)) if present else (0.0, 1.0))
    spread = (high - low) or 1.0
    left = min(width * 0.45, 10 + 6.8 * max(len(r) for r in row_labels))
    top = 24
    cell_width = (width - left - 8) / len(column_labels)
    cell_height = 18
    height = int(top + cell_height * len(row_labels) + (30 if x_title else 12))
    parts = []
    label_every = max(1, math.ceil(len(column_labels) / 24))
    for column, label in enumerate(column_labels):
        if column % label_every == 0:
            parts.append(
                f'<text x="{num(left + (column + 0.5) * cell_width)}" y="{top - 6}" text-anchor="middle">{escape(label)}</text>'
            )
    fits = show_values and cell_width >= 30
    for row, label in enumerate(row_labels):
        y = top + row * cell_height
        parts.append(f'<text x="{num(left - 6)}" y="{num(y + 13)}" text-anchor="end">{escape(label)}</text>')
        for column, value in enumerate(values[row]):
            if value is None:
                continue
            share = (value - low) / spread
            x = left + column * cell_width
            text = cell_labels[row][column] if cell_labels is not None else fmt(value)
            parts.append(
                f'<rect class="cell" x="{num(x)}" y="{num(y)}" width="{num(cell_width - 1)}" height="{cell_height - 1}" '
                f'fill="{heat_colour(share)}"><title>{escape(label)} · {escape(column_labels[column])}: '
                f"{escape(text)}</title></rect>"
            )
            if fits:
                ink = "#fff" if share > 0.55 else "#222"
                parts.append(
                    f'<text x="{num(x + cell_width / 2)}" y="{num(y + 13)}" text-anchor="middle" font-size="9" '
                    f'fill="{ink}">{escape(text)}</text>'
                )
    if x_title:
        parts.append(
            f'<text x="{num((left + width) / 2)}" y="{height - 8}" text-anchor="middle" fill="#555">{escape(x_title)}</text>'
        )
    return svg_open(chart_id, width, height, f"heatmap of {len(row_labels)} rows") + "".join(parts) + "</svg>"
