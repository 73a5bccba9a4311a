"""Where a chart's text labels go: beside their bubbles, inside the plot, never on
top of each other (a pure, pixel-space placement the chart then draws)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

# Vega's default sans-serif at 10 px: about 5.5 px a character, wider for capitals;
# 6.2 keeps the estimate on the safe side in Chromium's fonts and in vl-convert's.
CHAR_PX = 6.2
LINE_PX = 12
FONT_PX = 10
GAP_PX = 3
LINE_CHARS = 22
MAX_LINES = 2


@dataclass(frozen=True)
class Box:
    """A rectangle in plot pixels: left, top, width, height (y grows downwards)."""

    left: float
    top: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.left + other.width
            and other.left < self.left + self.width
            and self.top < other.top + other.height
            and other.top < self.top + self.height
        )

    def inside(self, width: float, height: float) -> bool:
        return (
            self.left >= 0
            and self.top >= 0
            and self.left + self.width <= width
            and self.top + self.height <= height
        )

    def hits_circle(self, x: float, y: float, r: float) -> bool:
        nearest_x = min(max(x, self.left), self.left + self.width)
        nearest_y = min(max(y, self.top), self.top + self.height)
        return math.hypot(x - nearest_x, y - nearest_y) < r


@dataclass(frozen=True)
class Bubble:
    """A drawn circle: centre and radius in plot pixels."""

    x: float
    y: float
    r: float


def short_lines(title: str) -> list[str]:
    """An industry title in at most two short lines, cut with "…" if longer."""
    lines = textwrap.wrap(title, LINE_CHARS) or [title]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: LINE_CHARS - 1].rstrip(" ,") + "…"
    return lines


def text_box(lines: list[str], left: float, top: float) -> Box:
    width = max(len(line) for line in lines) * CHAR_PX
    return Box(left, top, width, len(lines) * LINE_PX)


def place(
    bubbles: list[Bubble],
    texts: list[list[str]],
    width: float,
    height: float,
    obstacles: Sequence[Bubble] = (),
) -> list[Box | None]:
    """A box (top-left anchored) for each text, next to its bubble, or None where no
    spot inside the plot is free of the other labels. Earlier texts are placed first
    (pass the most important first); a spot covering fewer of the ``obstacles``
    (every bubble drawn) wins."""
    placed: list[Box] = []
    out: list[Box | None] = []
    for b, lines in zip(bubbles, texts, strict=True):
        probe = text_box(lines, 0, 0)
        w, h = probe.width, probe.height
        spots = [
            text_box(lines, b.x + b.r + GAP_PX, b.y - h / 2),  # right
            text_box(lines, b.x - b.r - GAP_PX - w, b.y - h / 2),  # left
            text_box(lines, b.x - w / 2, b.y - b.r - GAP_PX - h),  # above
            text_box(lines, b.x - w / 2, b.y + b.r + GAP_PX),  # below
            *(
                text_box(
                    lines,
                    b.x + dx * (b.r * 0.7 + GAP_PX),
                    b.y + dy * (b.r * 0.7 + GAP_PX),
                )
                for dx, dy in ((1, -1), (1, 1))
            ),
            *(
                text_box(
                    lines, b.x - b.r * 0.7 - GAP_PX - w, b.y + dy * (b.r * 0.7 + GAP_PX)
                )
                for dy in (-1, 1)
            ),
        ]
        free = [
            s
            for s in spots
            if s.inside(width, height) and not any(s.overlaps(p) for p in placed)
        ]
        if not free:
            out.append(None)
            continue
        others = [o for o in obstacles if o != b]
        best = min(
            free, key=lambda s: sum(s.hits_circle(o.x, o.y, o.r) for o in others)
        )
        placed.append(best)
        out.append(best)
    return out
