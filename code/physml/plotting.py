"""One figure style for the whole book.

Chapters call :func:`use_style` once (``physml.plotting.use_style()``) and then use
plain matplotlib. :func:`new_figure` gives a figure with the book's default size.

While the book is built, every figure made after :func:`use_style` reports the labels
of its axes when it is drawn (``_build/figures/<page>.jsonl``); a book test requires a
label on every axis that shows tick labels, colour bars included.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

from ._validate import check_int, check_scalar

BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(
        color=["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    ),
}


def use_style() -> None:
    """Apply the book's matplotlib style (colour-blind-safe palette, light grid)."""
    mpl.rcParams.update(BOOK_STYLE)
    if os.environ.get("PHYSML_BUILD_DIR") and os.environ.get("PHYSML_PAGE"):
        mpl.rcParams["figure.hooks"] = ["physml.plotting:_watch_labels"]


def axis_labels(fig) -> list[dict]:
    """For each axes of ``fig``: its x and y labels and whether the axis shows tick labels."""
    import matplotlib.figure

    if not isinstance(fig, matplotlib.figure.Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")

    def shows_ticks(axis, labels) -> bool:
        return bool(axis.get_visible() and any(t.get_visible() and t.get_text() for t in labels))

    report = []
    for ax in fig.get_axes():
        if not ax.axison:
            continue
        report.append(
            {
                "title": ax.get_title(),
                "xlabel": ax.get_xlabel(),
                "ylabel": ax.get_ylabel(),
                "x_ticks": shows_ticks(ax.xaxis, ax.get_xticklabels()),
                "y_ticks": shows_ticks(ax.yaxis, ax.get_yticklabels()),
                "colorbar": hasattr(ax, "_colorbar"),
            }
        )
    return report


def _watch_labels(fig) -> None:
    """Figure hook (build only): write the figure's axis labels each time it is drawn."""
    counter = getattr(_watch_labels, "count", 0) + 1
    _watch_labels.count = counter
    page = os.environ["PHYSML_PAGE"]
    out = Path(os.environ["PHYSML_BUILD_DIR"]) / "figures" / f"{page.replace('/', '--')}.jsonl"

    def write(entry: dict) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "a") as log:
            log.write(json.dumps({"page": page, "figure": counter, **entry}) + "\n")

    write({"created": True})  # a figure that is created but never drawn was lost (e.g. a TeX error)
    fig.canvas.mpl_connect("draw_event", lambda event: write({"axes": axis_labels(event.canvas.figure)}))


def new_figure(ncols: int = 1, nrows: int = 1, width: float | None = None, height: float | None = None):
    """Create ``fig, axes`` in the book style; size scales with the panel count."""
    check_int(ncols, "ncols", minimum=1)
    check_int(nrows, "nrows", minimum=1)
    for name, value in (("width", width), ("height", height)):
        if value is not None:
            check_scalar(value, name, minimum=0.0, include_min=False)
    use_style()
    w = width if width is not None else 4.2 * ncols + 1.0
    h = height if height is not None else 3.4 * nrows + 0.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(w, h), layout="constrained")
    return fig, axes
