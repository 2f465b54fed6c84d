r"""``python -m physml.project new <path> <folder>``: a repository skeleton for a course project.

The folder it creates is what a group puts under version control:

* ``README.md``: the project's question and tasks, how to run the milestone tests;
* ``solution.py``: the functions the milestone checks call, as stubs to fill in;
* ``run_milestones.py``: a script that runs the milestone checks and prints what they say;
* ``tests/test_milestones.py`` (and ``tests/conftest.py``): the milestones as pytest tests
  (``python -m pytest tests``), red until the group's code reaches them;
* ``report/report.tex`` and ``report/report.md``: skeletons of the scientific report
  (abstract, introduction, methods, results, discussion, conclusion, references, and an
  appendix on reproducibility), as the book's *Writing the report* page describes;
* ``.gitignore``.

``python -m physml.project list`` names the paths. The paths' contents come from
``physml.projects.<path>.TEMPLATE``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
from pathlib import Path

from ._validate import check_string, check_type
from .projects import PATHS, Template

GITIGNORE = """__pycache__/
*.pyc
.ipynb_checkpoints/
.pytest_cache/
*.egg-info/
.venv/
# LaTeX build files
*.aux
*.log
*.out
*.toc
*.bbl
*.blg
*.synctex.gz
# large generated data and figures: regenerate them with the commands in the report's appendix
data/generated/
"""

CONFTEST = '''"""Make the project's own modules (solution.py) importable by the tests."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    # a milestone that measures wall times: run it on a quiet machine (deselect: -m "not timing")
    config.addinivalue_line("markers", "timing: a milestone that depends on measured wall times")
'''

RUNNER = '''"""Run the milestone checks of this project on your code and print what they say.

    python run_milestones.py

The same checks are the tests in tests/test_milestones.py (python -m pytest tests).
"""

import pytest

if __name__ == "__main__":
    raise SystemExit(pytest.main(["-q", "-rA", "tests"]))
'''

REPORT_SECTIONS = (
    (
        "Abstract",
        "What you did, how, the main result with its uncertainty, and what it means, in one paragraph.",
    ),
    ("Introduction", "The scientific question, why it matters, what is known, and what this report adds."),
    ("Methods", "The models and algorithms, derived in your notation; the data; how you tested your code."),
    ("Results", "Figures with labelled axes and units, tables with errors; each compared with a reference."),
    (
        "Discussion",
        "What the results mean, their limits, what a critic would say, and what you would try next.",
    ),
    ("Conclusion", "The answer to the question of the introduction, with numbers."),
    ("References", "Every paper, book and code you used."),
    (
        "Appendix: reproducibility",
        "The commit, the versions of Python and libraries, the seeds, the command that made each figure.",
    ),
)


def report_markdown(title: str) -> str:
    """The MyST/Markdown report skeleton."""
    check_string(title, "title")
    parts = [f"# {title}\n\n*Authors, affiliation, date*\n"]
    for name, what in REPORT_SECTIONS:
        parts.append(f"## {name}\n\n<!-- {what} -->\n")
    return "\n".join(parts)


def report_latex(title: str) -> str:
    """The LaTeX report skeleton (REVTeX-like article, compiles with any TeX distribution)."""
    check_string(title, "title")
    body = []
    for name, what in REPORT_SECTIONS:
        if name == "Abstract":
            continue
        if name == "References":
            body.append("\\bibliographystyle{unsrt}\n\\bibliography{references}\n")
            continue
        if name.startswith("Appendix"):
            body.append("\\appendix")
            name = name.split(": ", 1)[1].capitalize()
        body.append(f"\\section{{{name}}}\n% {what}\n")
    abstract = REPORT_SECTIONS[0][1]
    return (
        "\\documentclass[11pt]{article}\n\\usepackage{amsmath,graphicx,hyperref}\n"
        f"\\title{{{title}}}\n\\author{{Authors}}\n\\date{{\\today}}\n\\begin{{document}}\n\\maketitle\n"
        f"\\begin{{abstract}}\n% {abstract}\n\\end{{abstract}}\n\n" + "\n".join(body) + "\n\\end{document}\n"
    )


def readme(template: Template) -> str:
    check_type(template, Template, "template", "physml.projects.Template (from load_template)")
    tasks = "\n".join(
        f"{chr(97 + i)}. {textwrap.fill(t, 88, subsequent_indent='   ')}"
        for i, t in enumerate(template.tasks)
    )
    return f"""# {template.title}

{textwrap.fill(template.question, 90)}

## Tasks

{tasks}

## Working on it

* Write your code in `solution.py` (and more modules as you need them); keep its functions'
  names and return values, which the milestone tests call.
* `python -m pytest tests` (or `python run_milestones.py`) runs the milestone checks on your
  code. They say whether a milestone is reached, with the reason or a hint; they never show
  the reference answer.
* Write the report in `report/` (LaTeX or Markdown); the book's *Writing the report* page
  gives what each section must contain and the grading rubric.
* Commit often; record the seeds and the commands that make each figure.

Made with `python -m physml.project new {template.path} <folder>` (physml, the helper package of
*Advanced Machine Learning for the Physical Sciences*).
"""


def load_template(path: str) -> Template:
    """The template of project path ``path`` (one of ``physml.projects.PATHS``)."""
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, got {type(path).__name__}")
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, got {path!r}")
    template = importlib.import_module(f"physml.projects.{path}").TEMPLATE
    if not isinstance(template, Template):
        raise TypeError(f"physml.projects.{path}.TEMPLATE must be a Template")
    return template


def new(path: str, folder, overwrite: bool = False) -> Path:
    """Create the project folder for ``path`` in ``folder``; return it.

    Refuses a folder that exists and is not empty unless ``overwrite``.
    """
    template = load_template(path)
    if not isinstance(folder, (str, Path)):
        raise TypeError(f"folder must be a path, got {type(folder).__name__}")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be a bool, got {type(overwrite).__name__}")
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise ValueError(f"folder {root} exists and is not a folder")
    if root.exists() and any(root.iterdir()) and not overwrite:
        raise ValueError(f"folder {root} is not empty (pass overwrite=True, or --force, to write into it)")
    files = {
        "README.md": readme(template),
        "solution.py": template.solution,
        "run_milestones.py": RUNNER,
        "tests/conftest.py": CONFTEST,
        "tests/test_milestones.py": template.tests,
        "report/report.md": report_markdown(template.title),
        "report/report.tex": report_latex(template.title),
        "report/references.bib": "% BibTeX entries of the papers, books and codes you cite\n",
        ".gitignore": GITIGNORE,
    }
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m physml.project", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("new", help="create a project folder")
    make.add_argument("path", choices=PATHS)
    make.add_argument("folder")
    make.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    sub.add_parser("list", help="list the project paths")
    if argv is not None and (
        isinstance(argv, (str, bytes))
        or not isinstance(argv, (list, tuple))
        or not all(isinstance(a, str) for a in argv)
    ):
        raise TypeError(f"argv must be a list of strings (a command line), got {argv!r}")
    try:
        args = parser.parse_args(argv)
    except SystemExit as err:
        if err.code in (0, None) or argv is None:
            raise  # --help, or the real command line: argparse has said what is wrong
        raise ValueError(f"argv is not a valid command line for python -m physml.project: {argv!r}") from None
    if args.command == "list":
        for path in PATHS:
            t = load_template(path)
            print(f"{path:24s} {t.title}")
        return 0
    root = new(args.path, args.folder, overwrite=args.force)
    print(f"created {root}: fill in solution.py, then run python -m pytest tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
