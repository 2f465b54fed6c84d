"""Reference checks of the chapter "Deep learning with PyTorch".

The runs (the digits network rebuilt in PyTorch, the dropout, batch-normalisation and
residual experiments) are in ``physml.studies.pytorch``; each check reads the run the page
made (``experiment.current``: the book's settings in the book, the short ones in the unit
tests) and compares it with the NumPy chapter's run on the same settings.
"""

from __future__ import annotations

import numpy as np

from ..experiment import current
from ..nn import torch_twin
from ..studies import neural_networks as nn_study
from ..studies import pytorch as study
from ..validation import reference_check
from . import neural_networks as nnchecks


def _flat(params) -> np.ndarray:
    return np.concatenate([np.asarray(p).ravel() for p in params])


def digits_rebuild(short: bool = False) -> tuple[dict, dict]:
    """The rebuilt network's run the page made, and the NumPy chapter's run on the same settings."""
    cfg = current(study.digits_rebuild_run, short)
    return study.digits_rebuild_run(cfg), nn_study.digits_run(cfg)


@reference_check(
    "pytorch.digits-rebuild",
    chapter="pytorch",
    description="The digits network rebuilt in PyTorch (nn.Module, DataLoader, torchtools.fit), trained "
    "from the same weights on the same batches, ends with the NumPy chapter's parameters",
    reference_source="physml.nn.MLP.fit on the same settings (book: 30 epochs; short configuration: 5)",
    kind="rel",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="the same arithmetic in float64: rounding differences (about 1e-14) grow slowly over the epochs",
)
def _digits_rebuild(short: bool):
    rebuild, numpy_run = digits_rebuild(short)
    return _flat(torch_twin.torch_params_as_numpy(rebuild["net"])), _flat(numpy_run["model"].params)


@reference_check(
    "pytorch.digits-accuracy",
    chapter="pytorch",
    description="Test accuracy of the rebuilt digits network reaches the NumPy chapter's target",
    reference_source="target of the NumPy chapter, 0.95 (short configuration: 5 epochs, target 0.90)",
    kind="at_least",
    glued=("pt-rebuild-accuracy",),
    reference_kind="baseline",
    tolerance_from="target",
    why="the NumPy chapter's target 0.95; the short target 0.90 is what a few epochs reach (set after)",
)
def _digits_accuracy(short: bool):
    rebuild, _ = digits_rebuild(short)
    target = nnchecks.SHORT_TARGET_ACCURACY if short else nnchecks.DIGITS_TARGET_ACCURACY
    return rebuild["accuracy"], target
