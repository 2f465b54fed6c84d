"""The JupyterLab edition of the book (``make lab``): every page as a notebook whose prose
shows the numbers of the reader's own run.

The pages glue computed numbers into their prose with ``{glue:text}`name:spec```, which
only the book build fills in. In JupyterLab the MyST renderer (the ``jupyterlab-myst``
extension) evaluates inline ``{eval}`expression``` roles in the kernel instead. This
script writes ``lab/chapters/<page>.ipynb`` and ``lab/exercises/<page>.ipynb`` from the
MyST sources with

* each ``{glue:text}`name:spec``` (and ``{glue}`name```) written as
  ``{eval}`glued("name", "spec")```: :func:`physml.book.glued` formats the value the
  page's own ``glue(...)`` call stored in the kernel, so a reader who changes a setting
  and runs the page sees the numbers of that run in the text;
* a hidden first cell ``from physml.book import glued``;
* each ``literalinclude`` of ``physml`` code replaced by the code itself (the renderer
  cannot read files of the repository);
* the cells that only glue values (tag ``remove-cell``) collapsed, as on the web page;
* cross-references and citations written as plain text (the links live on the web page).

The MyST sources stay the one place a page is written; the lab edition is generated
(``lab/`` is not committed) and rewritten by every ``make lab``. Saving a lab notebook
keeps the reader's changes there, not in the book's source.

    .venv/bin/python tools/lab_edition.py [--out lab] [pages ...]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lab"

_GLUE = re.compile(r"\{glue(?::text|:)?\}`(?P<body>[^`]+)`")
_INCLUDE = re.compile(
    r"^(?P<fence>`{3,})\{literalinclude\}[ \t]+(?P<path>\S+)[ \t]*\n"
    r"(?P<options>(?::[\w-]+:.*\n)*)(?P=fence)[ \t]*$",
    flags=re.M,
)


_REF = re.compile(r"\{(?:ref|numref|doc)\}`(?P<text>[^`<]*?)\s*<[^>`]+>`")
_BARE_REF = re.compile(r"\{(?:ref|numref|doc|eq)\}`(?P<label>[^`]+)`")
_CITE = re.compile(r"\{cite(?::[pt])?\}`(?P<keys>[^`]+)`")


def plain_roles(text: str) -> str:
    """Cross-references and citations as plain text (the renderer cannot resolve the book's labels)."""
    text = _REF.sub(lambda m: m.group("text"), text)
    text = _BARE_REF.sub(lambda m: m.group("label"), text)
    return _CITE.sub(lambda m: "[" + m.group("keys").replace(",", ", ") + "]", text)


def eval_role(match: re.Match) -> str:
    """``{glue:text}`name:spec``` -> ``{eval}`glued("name", "spec")```."""
    body = match.group("body").strip()
    name, _, spec = body.partition(":")
    return "{eval}`glued(" + f'"{name.strip()}", "{spec.strip()}"' + ")`"


def python_object(source: str, dotted: str) -> str:
    """The source lines of the function or class ``dotted`` (``Class.method``) of a module."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body
    node = None
    for part in dotted.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and n.name == part
            ),
            None,
        )
        if node is None:
            raise ValueError(f"literalinclude: {dotted} not found")
        body = node.body
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    return "\n".join(lines[start : node.end_lineno])


def include_block(page: Path, match: re.Match) -> str:
    """The code a ``literalinclude`` shows, as a fenced Python block."""
    path = (page.parent / match.group("path")).resolve()
    options = dict(re.findall(r"^:([\w-]+):[ \t]*(.*)$", match.group("options"), flags=re.M))
    source = path.read_text()
    if "pyobject" in options:
        code = python_object(source, options["pyobject"].strip())
    elif "lines" in options:
        keep = []
        for part in options["lines"].split(","):
            a, _, b = part.strip().partition("-")
            keep.extend(range(int(a), int(b or a) + 1))
        all_lines = source.splitlines()
        code = "\n".join(all_lines[i - 1] for i in keep if 0 < i <= len(all_lines))
    else:
        code = source
    language = options.get("language", "python" if path.suffix == ".py" else "")
    return f"```{language}\n{code.rstrip()}\n```"


def lab_notebook(page: Path):
    """The lab edition of one MyST page, as a notebook."""
    nb = jupytext.read(page)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = _INCLUDE.sub(lambda m: include_block(page, m), cell.source)
            cell.source = plain_roles(_GLUE.sub(eval_role, text))
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if "remove-cell" in tags or "remove_cell" in tags:
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
    head = nbformat.v4.new_code_cell("from physml.book import glued  # the numbers in the text (lab edition)")
    head.metadata["jupyter"] = {"source_hidden": True}
    head.metadata["tags"] = ["remove-cell"]
    nb.cells.insert(0, head)
    nb.metadata.pop("jupytext", None)
    return nb


def write(pages: list[Path], out: Path = OUT) -> list[Path]:
    """Write the lab edition of ``pages``; return the notebook paths."""
    written = []
    for page in pages:
        try:
            nb = lab_notebook(page)
        except (OSError, ValueError, SyntaxError) as err:
            raise ValueError(f"{page}: {err}") from err
        target = out / page.parent.name / f"{page.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(target)
    readme = out / "README.md"
    readme.write_text(
        "# The book in JupyterLab\n\nGenerated by `make lab` from the MyST sources in `chapters/` and "
        "`exercises/`; rewritten each time. Open a page here and *Run All*: the numbers in the text are "
        "those of your own run. Edit the book's sources, not these notebooks.\n"
    )
    return written


def all_pages() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.md")) + sorted((ROOT / "exercises").glob("*.md"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    written = write([p.resolve() for p in args.pages] or all_pages(), args.out)
    print(f"lab edition: {len(written)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
