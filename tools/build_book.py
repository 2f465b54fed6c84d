"""Build the book: invalidate stale execution results, then run Jupyter Book strictly.

jupyter-cache keys a notebook on its cell sources only, so a change in ``physml`` or
in the pinned environment would otherwise leave stale outputs in the book. This
script hashes ``code/physml/**`` and ``requirements.txt`` and clears the execution
cache when the hash changes. The build itself is ``jupyter-book build -n -W
--keep-going``: any cell error, Sphinx warning or broken reference fails it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
CACHE = BUILD / ".jupyter_cache"
HASH_FILE = BUILD / ".physml-hash"


def environment_hash() -> str:
    """Hash of everything that can change a page's outputs besides its own source."""
    h = hashlib.sha256()
    files = sorted((ROOT / "code" / "physml").rglob("*.py"))
    files += [ROOT / "requirements.txt", ROOT / "code" / "pyproject.toml"]
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def invalidate_stale_cache() -> bool:
    """Remove the execution cache if physml or the environment changed; return True if removed."""
    current = environment_hash()
    previous = HASH_FILE.read_text().strip() if HASH_FILE.exists() else None
    stale = previous != current
    if stale and CACHE.exists():
        print(f"physml or requirements changed: clearing {CACHE.relative_to(ROOT)}")
        shutil.rmtree(CACHE)
    BUILD.mkdir(exist_ok=True)
    HASH_FILE.write_text(current + "\n")
    return stale


def book_env() -> dict[str, str]:
    """Environment for the build and its kernels."""
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # Agg inside a kernel silently drops inline figures
    env["PHYSML_QUIET"] = "1"  # no progress bars in the rendered book
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger notice on stderr
    return env


def last_build_failed() -> bool:
    """True if the previous build failed: Sphinx would not re-report warnings of unchanged pages."""
    record = BUILD / "build-time.json"
    if not record.exists():
        return False
    return json.loads(record.read_text()).get("returncode", 1) != 0


def main() -> int:
    start = time.perf_counter()
    stale = invalidate_stale_cache()
    # After a failed build or a cache reset, re-read every page so that all warnings
    # surface again; reading a page whose outputs are cached costs no execution.
    full = stale or last_build_failed()
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(ROOT),
        "--builder",
        "html",
        "-n",
        "-W",
        "--keep-going",
    ] + (["--all"] if full else [])
    # Stream the build output to the terminal and keep a copy for the book tests.
    with open(BUILD / "build.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=book_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            log.write(line)
        rc = proc.wait()
    elapsed = time.perf_counter() - start
    (BUILD / "build-time.json").write_text(json.dumps({"seconds": round(elapsed, 1), "returncode": rc}) + "\n")
    print(f"book build finished in {elapsed:.1f} s with exit code {rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
