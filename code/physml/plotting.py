"""One figure style for the whole book.

Chapters call :func:`use_style` once (``physml.plotting.use_style()``) and then use
plain matplotlib. :func:`new_figure` gives a figure with the book's default size.
"""

from __future__ import annotations

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
