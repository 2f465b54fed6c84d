"""Measure the four build timings quoted in the README.

    .venv/bin/python tools/measure_builds.py [--chapter chapters/regression] [--module intro.py]

1. cold build (``_build`` removed first);
2. unchanged rebuild;
3. one chapter edited (a comment appended to its first code cell, then undone);
4. one leaf ``physml`` module edited (a comment appended, then undone).

Each edit is undone afterwards and the book is built once more so that it is left as it
was. Prints, for each case, the wall time and the pages executed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"


def build() -> dict:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads((BUILD / "build-time.json").read_text())


def edited(path: Path, edit) -> dict:
    original = path.read_text()
    try:
        path.write_text(edit(original))
        return build()
    finally:
        path.write_text(original)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="chapters/regression")
    parser.add_argument("--module", default="intro.py", help="a physml file, relative to code/physml")
    args = parser.parse_args()

    rows = []
    shutil.rmtree(BUILD, ignore_errors=True)
    rows.append(("cold build", build()))
    rows.append(("unchanged rebuild", build()))
    chapter = ROOT / f"{args.chapter}.md"
    rows.append(
        (
            f"one chapter edited ({args.chapter})",
            edited(
                chapter,
                lambda s: s.replace("```{code-cell} ipython3\n", "```{code-cell} ipython3\n# edited\n", 1),
            ),
        )
    )
    build()
    module = ROOT / "code" / "physml" / args.module
    rows.append(
        (f"one leaf module edited (physml/{args.module})", edited(module, lambda s: s + "\n# edited\n"))
    )
    build()
    print(f"{'what':50s} {'seconds':>8s} {'executed':>8s}  pages")
    for what, record in rows:
        pages = sorted(record.get("preexecuted", {}))
        listed = ", ".join(pages) if len(pages) < 6 else "..."
        print(f"{what:50s} {record['seconds']:8.1f} {len(pages):8d}  {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
