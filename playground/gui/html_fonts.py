"""Font sizes written into HTML (plot titles, keys): Qt's rich text in points does not follow the application
font, so Ctrl+= and presentation mode would leave it small. The font scale of gui/presentation.py is kept here,
and what writes such HTML asks ``pt(9)`` for its size; ``scale_label`` rescales a pyqtgraph title in place."""

from __future__ import annotations

import re

_FONT_SIZE = re.compile(r"(font-size:\s*)(\d+(?:\.\d+)?)(\s*pt)")
_scale = 1.0


def set_scale(scale: float) -> None:
    global _scale
    _scale = float(scale)


def current_scale() -> float:
    return _scale


def pt(size: float) -> str:
    """``size`` points at the current font scale, as CSS: "13.5pt" for 9 at 150 %."""
    return f"{size * _scale:.3g}pt"


def scaled_html(html: str, ratio: float) -> str:
    """``html`` with every ``font-size: N pt`` multiplied by ``ratio``."""
    return _FONT_SIZE.sub(lambda m: f"{m[1]}{float(m[2]) * ratio:.3g}{m[3]}", html)


def scale_label(label, scale: float) -> None:
    """A pyqtgraph LabelItem (a plot's title) at ``scale`` times the size and text its owner last gave it.

    Its owners write unscaled sizes ("9pt"): what differs from what was set here last is the owner's new
    unscaled text, kept as the base."""
    size, text = label.opts.get("size"), label.text
    if getattr(label, "_nnp_set", None) != (size, text):
        label._nnp_base = (size, text)
    base_size, base_text = label._nnp_base
    new_size = scaled_html(f"font-size:{base_size}", scale)[len("font-size:"):] if base_size else None
    new_text = scaled_html(base_text, scale)
    if new_size is not None:
        label.setText(new_text, size=new_size)
    else:
        label.setText(new_text)
    label._nnp_set = (label.opts.get("size"), label.text)
