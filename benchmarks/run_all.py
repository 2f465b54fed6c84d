"""Run every benchmark script in ``benchmarks/`` in turn (``make bench``).

Each ``benchmarks/*.py`` other than this file is started with the same Python
interpreter, one after the other, and prints its own table. Benchmarks measure and
print; they never assert a speed. This script exits with a non-zero status only if a
benchmark script itself fails (crashes).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_scripts() -> list[Path]:
    """All benchmark scripts, in alphabetical order, without this runner."""
    return sorted(
        p for p in HERE.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_")
    )


def main() -> int:
    scripts = benchmark_scripts()
    if not scripts:
        print("no benchmark scripts found in", HERE)
        return 0
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} " + "=" * max(0, 70 - len(script.name)), flush=True)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        elapsed = time.perf_counter() - start
        status = "ok" if result.returncode == 0 else f"FAILED (exit status {result.returncode})"
        print(f"=== {script.name}: {status} in {elapsed:.1f} s", flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print("\nfailed benchmarks:", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
