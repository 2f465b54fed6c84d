"""Execute one book page outside the book build, for authors.

    .venv/bin/python tools/execute_page.py chapters/regression.md [--figures DIR]

Runs the MyST notebook in a fresh ``python3`` kernel (as the build does), prints the
execution time, every cell error and every stderr output, lists the glued names
and, with ``--figures``, writes each figure as a PNG so that it can be looked at.
"""

from __future__ import annotations

import argparse
import base64
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

sys.path.insert(0, str(Path(__file__).parent))
from build_book import book_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path)
    parser.add_argument("--figures", type=Path, default=None, help="folder for PNGs of the figures")
    args = parser.parse_args()

    import os

    os.environ.update(book_env())
    os.environ.pop("MPLBACKEND", None)
    nb = jupytext.read(args.page)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(args.page.parent)}}
    )
    start = time.perf_counter()
    status = 0
    try:
        client.execute()
    except CellExecutionError as err:
        print(f"CELL ERROR:\n{err}")
        status = 1
    elapsed = time.perf_counter() - start
    glued, n_fig = [], 0
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                print(f"stderr in cell {i}: {out['text'][:500]}")
            data = out.get("data", {})
            meta = out.get("metadata", {})
            if "scrapbook" in meta:
                glued.append(meta["scrapbook"].get("name"))
                continue
            if "image/png" in data and args.figures:
                args.figures.mkdir(parents=True, exist_ok=True)
                n_fig += 1
                (args.figures / f"{args.page.stem}_{n_fig:02d}.png").write_bytes(
                    base64.b64decode(data["image/png"])
                )
    print(f"executed {args.page} in {elapsed:.1f} s; glued: {', '.join(filter(None, glued)) or '-'}")
    if args.figures:
        print(f"{n_fig} figures written to {args.figures}")
    return status


if __name__ == "__main__":
    sys.exit(main())
