"""Server-side SVG bar charts: no JavaScript, printable, readable without
colour (every bar carries its number as text)."""

from __future__ import annotations

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 300
CHART_WIDTH = 620


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(title: str, bars: list[tuple[str, int | None, str]],
              labels_lang: str | None = None) -> Markup:
    """Horizontal bars: (label, value or None when suppressed, shown text).
    `labels_lang`: the language of the labels when it is not the page's
    (the Dutch names of units on an English page, WCAG 3.1.2)."""
    lang = f' lang="{escape(labels_lang)}"' if labels_lang else ""
    known = [v for _label, v, _text in bars if v]
    largest = max(known) if known else 1
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    scale = (CHART_WIDTH - LABEL_WIDTH - 60) / largest
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value, text) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = max(1, int((value or 0) * scale)) if value else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" '
            f'class="chart-label"{lang}>{escape(_short(label))}</text>'
        )
        if width:
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" '
                         f'height="{BAR_HEIGHT}" class="chart-bar"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 16}" '
                     f'class="chart-value">{escape(text)}</text>')
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest are ints.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
