"""Snippets: the part of a field around its matches, the matched words marked.

The database marks the matches in the folded text (FTS5's highlight(), PostgreSQL's
ts_headline()); folding keeps positions, so the same spans are marked in the original
text, which is what people read."""

from __future__ import annotations

import html
from dataclasses import dataclass

# Private-use characters: folded text never holds them (folding makes them spaces).
START, STOP = "\ue000", "\ue001"
# About two lines of text around the first match.
BEFORE, WIDTH = 60, 220
ELLIPSIS = "…"
# The order fields are shown in, with the names people read.
FIELD_ORDER = ("title", "number", "description", "comments", "resolution", "reporter")


@dataclass(frozen=True)
class Snippet:
    field: str
    # (text, matched) in reading order.
    parts: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)

    @property
    def html(self) -> str:
        """HTML-escaped text, the matches in <mark>."""
        return "".join(
            f"<mark>{html.escape(text)}</mark>" if matched else html.escape(text)
            for text, matched in self.parts
        )

    @property
    def matched(self) -> list[str]:
        return [text for text, matched in self.parts if matched]


def marked_spans(highlighted: str, folded: str) -> list[tuple[int, int]]:
    """Where `highlighted` (the folded text with START/STOP around matches) marks it;
    nothing when the database's text is not the folded text with marks added."""
    spans, plain, opened = [], [], None
    for char in highlighted:
        if char == START:
            opened = len(plain)
        elif char == STOP:
            if opened is not None:
                spans.append((opened, len(plain)))
            opened = None
        else:
            plain.append(char)
    return spans if "".join(plain) == folded else []


def snippet(field: str, original: str, spans: list[tuple[int, int]]) -> Snippet | None:
    """The window of `original` around its first marked span, or None without one."""
    spans = sorted((s, e) for s, e in spans if e > s)
    if not spans:
        return None
    start = max(0, spans[0][0] - BEFORE)
    if start > 0:
        space = original.find(" ", start, spans[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(original), start + WIDTH)
    if end < len(original):
        space = original.rfind(" ", max(spans[0][1], start), end)
        end = space if space != -1 else max(end, spans[0][1])
    parts: list[tuple[str, bool]] = [(ELLIPSIS, False)] if start > 0 else []
    at = start
    for s, e in spans:
        if s >= end:
            break
        s, e = max(s, at), min(e, end)
        if s > at:
            parts.append((original[at:s], False))
        if e > s:
            parts.append((original[s:e], True))
        at = max(at, e)
    if end > at:
        parts.append((original[at:end], False))
    if end < len(original):
        parts.append((ELLIPSIS, False))
    return Snippet(field, tuple(_joined(parts)))


def _joined(parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for text, matched in parts:
        if out and out[-1][1] == matched:
            out[-1] = (out[-1][0] + text, matched)
        else:
            out.append((text, matched))
    return out
