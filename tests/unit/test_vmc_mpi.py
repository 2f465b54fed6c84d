"""physml.vmc across MPI processes: ``mpiexec -n 2 python -m physml.vmc`` keeps the parameters
identical on both ranks, and its energy agrees statistically with a one-rank run of the
same total number of walkers."""

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")

pytestmark = pytest.mark.skipif(
    MPIEXEC is None,
    reason="mpiexec not found (it comes with the mpich wheel: pip install -r requirements.txt)",
)

COMMON = ["--system", "dot", "--omega", "1", "--walkers", "800", "--burn", "50"]


def run(tmp_path: Path, name: str, ranks: int, *extra: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PHYSML_QUIET": "1"}
    for var in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS"):
        env.pop(var, None)
    out = tmp_path / name
    command = [sys.executable, "-m", "physml.vmc", *COMMON, *extra, "--output", str(out)]
    if ranks > 1:
        command = [MPIEXEC, "-n", str(ranks), *command]
    subprocess.run(command, check=True, env=env, capture_output=True, timeout=120)
    return json.loads(out.with_suffix(".json").read_text())


def test_two_ranks_keep_identical_parameters(tmp_path):
    record = run(tmp_path, "opt", 2, "--iterations", "8", "--steps", "32", "--final-steps", "64")
    assert record["ranks"] == 2
    rank0, rank1 = record["params_history_by_rank"]
    assert len(rank0) == 9
    assert rank0 == rank1  # bit-identical on both ranks, at every iteration
    assert (tmp_path / "opt.csv").exists()


def test_two_rank_energy_agrees_with_one_rank(tmp_path):
    fixed = ["--iterations", "0", "--alpha", "0.45", "--beta", "0.3", "--final-steps", "512"]
    one = run(tmp_path, "one", 1, *fixed)
    two = run(tmp_path, "two", 2, *fixed)
    assert (one["ranks"], two["ranks"]) == (1, 2)
    assert one["n_samples"] == two["n_samples"]
    sigma = math.hypot(one["error"], two["error"])
    assert abs(one["energy"] - two["energy"]) <= 3 * sigma, (one, two)
    assert one["energy"] != two["energy"]  # different walkers, not a copy of the same run
