r"""physml.distributed: a training run split over two ``torchrun`` processes is the one-process run.

The tolerance of the equivalence (float64, the short configuration: global batch B = 64,
T = 20 steps, learning rate eta = 0.05). One process sums the B per-sample gradients of a
step in one matrix product; two processes each sum B/2 of them and the all-reduce adds the
two halves. Both orders are within Higham's summation bound of the exact sum,
|delta g| <= (B - 1) u sum_i |g_i| / B with u = 2^-53 = 1.1e-16, i.e. a relative error of at
most about B u = 7e-15 of the gradient's scale per step (far less in practice: rounding
errors of random sign grow like sqrt(B) u). A step moves the parameters by eta g, so the
difference of the parameters grows by at most eta B u |g| per step, T eta B u |g| = 7e-15 |g|
after the run, and |g| is of order one here: the parameters (of order 0.1 to 1) agree to
about 1e-14 relative in the worst case, plus whatever the dynamics amplify over 20 small
steps (a factor (1 + eta lambda_max)^T, about 3 for a curvature lambda_max of order one).
We allow 1e-12 relative (to the largest parameter), a margin of about 30 over that bound;
float32 rounding (u = 6e-8) would miss it by five orders of magnitude, and the tests below
check that the comparison is not vacuous (the parameters moved by far more, and a run that
sees only one shard per step is far off).

Each ``torchrun`` launch starts Python and imports torch in every process (about 4 s on two
idle cores): the two-process test runs DDP and the manual all-reduce in one launch.
"""

import numpy as np
import pytest
import torch

from physml import distributed
from physml.distributed import DDPRun

#: Relative agreement of the parameters of two runs that differ only in the order of sums.
RTOL = 1e-12
CFG = DDPRun.short()


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.fixture(scope="module")
def single():
    return distributed.train_single(CFG)


@pytest.fixture(scope="module")
def two_processes():
    return distributed._launch(CFG, 2, modes=("ddp", "manual"), timeout=180.0)


def test_single_run_trains(single):
    initial = distributed._flat(distributed.make_model(CFG))
    assert single["world_size"] == 1 and len(single["losses"]) == CFG.steps
    assert single["params"].dtype == np.float64
    assert rel_diff(single["params"], initial) > 1e-3  # the comparison below is not of untrained nets
    assert np.mean(single["losses"][-5:]) < np.mean(single["losses"][:5])
    assert single["seconds"] > 0


def test_two_process_ddp_equals_one_process_run(single, two_processes):
    ddp = two_processes["ddp"]
    assert ddp["world_size"] == 2 and ddp["mode"] == "ddp"
    assert ddp["params"].shape == single["params"].shape
    assert rel_diff(ddp["params"], single["params"]) <= RTOL
    np.testing.assert_allclose(ddp["losses"], single["losses"], rtol=RTOL)


def test_the_comparison_can_fail(single):
    # without the all-reduce each process would step on its own shard only: B/2 samples per step
    half = distributed.train_single(CFG.replace(global_batch=CFG.global_batch // 2))
    assert rel_diff(half["params"], single["params"]) > 1e6 * RTOL


def test_manual_allreduce_equals_ddp(two_processes, single):
    ddp, manual = two_processes["ddp"], two_processes["manual"]
    assert manual["mode"] == "manual" and manual["world_size"] == 2
    assert rel_diff(manual["params"], ddp["params"]) <= RTOL
    assert rel_diff(manual["params"], single["params"]) <= RTOL
    np.testing.assert_allclose(manual["losses"], ddp["losses"], rtol=RTOL)


def test_one_process_ddp_equals_train_single(single):
    one = distributed.train_ddp(CFG, world_size=1, timeout=180.0)
    assert one["world_size"] == 1
    # one process sums the same samples in the same order as train_single (one thread each way)
    assert rel_diff(one["params"], single["params"]) <= RTOL
    np.testing.assert_allclose(one["losses"], single["losses"], rtol=RTOL)
    assert one["launch_seconds"] > one["seconds"] > 0


@pytest.mark.parametrize(
    ("kwargs", "error", "names"),
    [
        ({"world_size": 0}, ValueError, "world_size"),
        ({"world_size": 2.0}, TypeError, "world_size"),
        ({"world_size": True}, TypeError, "world_size"),
        ({"world_size": 3}, ValueError, "global_batch"),  # 64 is not divisible by 3
        ({"manual": "yes"}, TypeError, "manual"),
        ({"timeout": -1.0}, ValueError, "timeout"),
        ({"timeout": float("nan")}, ValueError, "timeout"),
    ],
)
def test_bad_input_is_refused_before_launching(kwargs, error, names):
    with pytest.raises(error, match=names):
        distributed.train_ddp(CFG, **kwargs)


def test_bad_settings_name_the_setting():
    with pytest.raises(TypeError, match="cfg"):
        distributed.train_ddp({"steps": 3})
    with pytest.raises(TypeError, match="cfg"):
        distributed.train_single(None)
    with pytest.raises(ValueError, match="dtype"):
        DDPRun(dtype="float16")
    with pytest.raises(ValueError, match="global_batch"):
        DDPRun(n_samples=32, global_batch=64)
    with pytest.raises(ValueError, match="steps"):
        DDPRun(steps=0)


def test_allreduce_without_a_process_group():
    model = distributed.make_model(CFG)
    model(torch.zeros(2, CFG.n_features, dtype=torch.float64)).sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    distributed.allreduce_mean_gradients(model, 1)  # one process: the mean is the gradient itself
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters(), strict=True))
    with pytest.raises(ValueError, match="world_size"):
        distributed.allreduce_mean_gradients(model, 2)
    with pytest.raises(TypeError, match="model"):
        distributed.allreduce_mean_gradients("net", 1)


def test_a_run_past_its_timeout_is_stopped():
    with pytest.raises(TimeoutError, match="timeout"):
        distributed.train_ddp(CFG, world_size=2, timeout=0.5)


def test_a_diverging_worker_is_reported():
    with pytest.raises(FloatingPointError, match="step"):
        distributed.train_ddp(CFG.replace(lr=10.0, steps=200), world_size=1, timeout=180.0)
