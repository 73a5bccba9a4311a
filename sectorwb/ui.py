"""Small page pieces every sectorwb page uses: house CSS, text blocks, notices."""

from __future__ import annotations

import html
from importlib import resources

import ipywidgets as W


def style() -> W.HTML:
    """The house CSS, injected once per page as a style element."""
    css = resources.files("sectorwb").joinpath("sectorwb.css").read_text()
    return W.HTML(f"<style>{css}</style>", layout=W.Layout(display="none"))


def text_block(text: str, cls: str = "sectorwb-help", tag: str = "p") -> W.HTML:
    """Manual or team text shown as text (escaped, newlines kept)."""
    body = html.escape(text).replace("\n", "<br>")
    return W.HTML(f'<{tag} class="{cls}">{body}</{tag}>')


def message(text: str, level: str = "error") -> W.HTML:
    """A readable notice (never a traceback); level is error, warning or info."""
    role = "alert" if level == "error" else "status"
    return W.HTML(
        f'<div class="sectorwb-msg sectorwb-{level}" role="{role}">'
        f"{html.escape(text).replace(chr(10), '<br>')}</div>"
    )
