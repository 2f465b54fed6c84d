"""Two independent runs give the same numbers: every reference check, computed in its short
configuration in two fresh Python processes, returns bit-identical values, references,
standard errors and deviations."""

import json
import os
import subprocess
import sys

DUMP = """
import json
from physml import validation
results = validation.run_all(short=True)
print(json.dumps({r.id: [r.value, r.reference, r.sigma, r.deviation] for r in results}))
"""


def _run_all_checks_in_fresh_process() -> dict:
    env = dict(os.environ, PHYSML_QUIET="1")
    out = subprocess.run([sys.executable, "-c", DUMP], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_reference_checks_are_bit_reproducible():
    first = _run_all_checks_in_fresh_process()
    second = _run_all_checks_in_fresh_process()
    assert first.keys() == second.keys()
    differing = {k: (first[k], second[k]) for k in first if first[k] != second[k]}
    assert not differing, f"results differ between two runs: {differing}"
