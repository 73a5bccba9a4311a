"""Small page pieces every sectorwb page uses: house CSS, text blocks, notices, and a
timer that waits for a pause in typing."""

from __future__ import annotations

import asyncio
import functools
import html
from importlib import resources
from typing import Any

import ipywidgets as W


@functools.cache
def shared_layout(**css: str) -> W.Layout:
    """One Layout per distinct setting for the whole page (see ``lean``)."""
    return W.Layout(**css)


@functools.cache
def _shared_style(style_class: type) -> W.Widget:
    return style_class()


def lean(cls: type, layout: W.Layout | None = None, **kwargs: Any) -> Any:
    """A widget that shares its Layout and Style models with its kind.

    Every stock widget otherwise brings two more models of its own, each a message the
    kernel sends and Voila relays; a worksheet page had 281 models, 176 of them
    default layouts and styles, which is what 30 teams opening a page at once pay
    for. Never change ``.layout``/``.style`` of a lean widget: that changes them all.
    """
    style = cls.class_traits().get("style")
    if style is not None and "style" not in kwargs:
        kwargs["style"] = _shared_style(style.klass)
    return cls(layout=layout or shared_layout(), **kwargs)


def style(*more: str) -> W.HTML:
    """The house CSS, and the package's stylesheets named in ``more`` (e.g.
    ``wall.STYLESHEET``), injected once per page as a style element."""
    package = resources.files("sectorwb")
    css = "\n".join(package.joinpath(n).read_text() for n in ("sectorwb.css", *more))
    return lean(W.HTML, shared_layout(display="none"), value=f"<style>{css}</style>")


def text_block(
    text: str, cls: str = "sectorwb-help", tag: str = "p", **data: str
) -> W.HTML:
    """Manual or team text shown as text (escaped, newlines kept); ``data`` become
    ``data-*`` attributes the page script reads."""
    return lean(W.HTML, value=text_html(text, cls, tag, **data))


def text_html(
    text: str, cls: str = "sectorwb-help", tag: str = "p", **data: str
) -> str:
    body = html.escape(text).replace("\n", "<br>")
    attrs = "".join(
        f' data-{k.replace("_", "-")}="{html.escape(v)}"' for k, v in data.items()
    )
    return f'<{tag} class="{cls}"{attrs}>{body}</{tag}>'


def message(text: str, level: str = "error") -> W.HTML:
    """A readable notice (never a traceback); level is error, warning or info."""
    role = "alert" if level == "error" else "status"
    return lean(
        W.HTML,
        value=f'<div class="sectorwb-msg sectorwb-{level}" role="{role}">'
        f"{html.escape(text).replace(chr(10), '<br>')}</div>",
    )


class Later:
    """Run a callback after a delay on the kernel's event loop; at once without one
    (plain Python, tests), so a save is never silently dropped."""

    def __init__(self) -> None:
        self._handle: asyncio.TimerHandle | None = None

    def __call__(
        self, delay: float, callback: Any, now_without_loop: bool = True
    ) -> None:
        self.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if now_without_loop:
                callback()
            return
        self._handle = loop.call_later(delay, callback)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
