"""Reference check of the Introduction: gradient descent reaches the least-squares line.

The run itself (data, settings, fit) is in ``physml.studies.introduction``; the check reads
the run the page made (``experiment.current``).
"""

import numpy as np

from ..experiment import current
from ..studies import introduction as study
from ..validation import reference_check


def line_study(short: bool = False) -> dict:
    return study.line_run(current(study.line_run, short))


@reference_check(
    "introduction.gd-line",
    chapter="introduction",
    description="Gradient-descent line fit equals the least-squares solution",
    reference_source="numpy.linalg.lstsq (closed-form least-squares minimum)",
    kind="abs",
    tolerance=1e-8,
    reference_kind="exact",
    tolerance_from="bound",
    why="each step shrinks the error by max|1 - eta lambda_i| < 0.96: after 2000 steps only rounding is left",
)
def _gd_line(short: bool):
    run = line_study(short)
    X = np.column_stack([np.ones_like(run["x"]), run["x"]])
    exact, *_ = np.linalg.lstsq(X, run["y"], rcond=None)
    return run["theta"], exact
