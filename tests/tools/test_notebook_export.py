"""The conversion of a page's notebook into the notebook a reader downloads (small inputs)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import notebook_export as ne  # noqa: E402


def _site(**kw):
    defaults = dict(
        page="chapters/regression",
        labels={
            "chap-regression": ("chapters/regression", "chap-regression", "Regression"),
            "ex-reg-limit": ("exercises/regression", "ex-reg-limit", "Ridge limit"),
        },
        equations={"ridge-cost": ("chapters/regression", 3)},
        exercise_numbers={"ex-reg-limit": "2.1"},
        citations={"hastie2009": ("Hastie et al.", "2009")},
        titles={"exercises/regression": "Exercises: Regression"},
        read_include=lambda arg, options: f"def {options['pyobject']}():\n    return 1\n",
    )
    defaults.update(kw)
    return ne.Site(**defaults)


def _glue_output(name, text):
    return nbformat.v4.new_output(
        "display_data",
        data={ne.GLUE_PREFIX + "text/plain": text},
        metadata={"scrapbook": {"name": name, "mime_prefix": ne.GLUE_PREFIX}},
    )


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in cells:
        nb.cells.append(cell)
    return nb


def test_glued_values_are_written_into_the_text_and_their_records_dropped():
    code = nbformat.v4.new_code_cell("glue('reg-n', 400); glue('reg-mse', 0.012345)")
    code.outputs = [_glue_output("reg-n", "400"), _glue_output("reg-mse", "0.012345")]
    text = nbformat.v4.new_markdown_cell("We use {glue:text}`reg-n` points, MSE {glue:text}`reg-mse:.3f`.")
    out = ne.export_notebook(_notebook(code, text), _site())
    assert out.cells[1].source == "We use 400 points, MSE 0.012."
    assert out.cells[0].outputs == []
    assert out.cells[0].source == code.source


def test_literalinclude_becomes_the_included_code():
    text = "Code:\n\n```{literalinclude} ../code/physml/regression.py\n:pyobject: ols_fit\n```\n"
    md = ne.convert_markdown(text, _site(), {})
    assert md == "Code:\n\n```python\ndef ols_fit():\n    return 1\n```"


def test_references_citations_and_math():
    text = (
        "(sec-x)=\n## Title\n\nSee {ref}`the chapter <chap-regression>`, {ref}`chap-regression`, "
        "{eq}`ridge-cost`, {cite}`hastie2009`, {cite:t}`hastie2009`, {numref}`ex-reg-limit` and "
        "{doc}`../exercises/regression`.\n\n```{math}\n:label: ridge-cost\nC = x^2\n```\n"
        "\n$$\na = b\n$$ (ridge-cost)\n% a comment\n"
    )
    md = ne.convert_markdown(text, _site(), {})
    assert '<a id="sec-x"></a>' in md
    assert "[the chapter](regression.html#chap-regression)" in md
    assert "[Regression](regression.html#chap-regression)" in md
    assert "[(3)](regression.html#equation-ridge-cost)" in md
    assert "[(Hastie et al., 2009)](../appendix/bibliography.html)" in md
    assert "[Hastie et al. (2009)](../appendix/bibliography.html)" in md
    assert "[Exercise 2.1](../exercises/regression.html#ex-reg-limit)" in md
    assert "[Exercises: Regression](../exercises/regression.html)" in md
    assert "$$\nC = x^2 \\tag{3}\n$$" in md
    assert "a = b\n\\tag{3}$$" in md
    assert "comment" not in md
    assert ne.myst_leftovers(md) == []


def test_roles_inside_code_and_fences_stay():
    text = "Write `{glue:text}` roles.\n\n```python\nx = '{ref}`a`'\n```\n"
    assert ne.convert_markdown(text, _site(), {}) == text.strip("\n")


def test_admonition_and_exercise():
    site = _site(page="exercises/regression")
    text = "```{admonition} Note\n:class: tip\n\nRead {ref}`chap-regression`.\n```"
    assert ne.convert_markdown(text, site, {}) == (
        "> **Note**\n>\n> Read [Regression](../chapters/regression.html#chap-regression)."
    )
    text = "```{exercise}\n:label: ex-reg-limit\n\nCompute $x$.\n```"
    md = ne.convert_markdown(text, site, {})
    assert md.startswith('<a id="ex-reg-limit"></a>') and "> **Exercise 2.1**\n>\n> Compute $x$." in md


def test_solutions_are_collapsed_cells_of_their_own():
    site = _site(page="exercises/regression")
    cells = [
        nbformat.v4.new_markdown_cell(
            "```{exercise}\n:label: ex-reg-limit\n\nWhy?\n```\n\n"
            "```{solution} ex-reg-limit\n:class: dropdown\n\nBecause.\n```\n\nAfter."
        ),
        nbformat.v4.new_markdown_cell(
            "```{exercise-start}\n:label: ex-reg-limit\n```\n\nCompute.\n\n```{exercise-end}\n```\n\n"
            "```{solution-start} ex-reg-limit\n:class: dropdown\n```\n\nLike this:"
        ),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```\n\nNext."),
    ]
    out = ne.export_notebook(_notebook(*cells), site)
    sources = [c.source for c in out.cells]
    assert sources[0].startswith('<a id="ex-reg-limit"></a>')
    assert sources[1] == "**Solution to Exercise 2.1** (expand to read)" and not out.cells[1].metadata
    assert sources[2] == "Because." and out.cells[2].metadata["jupyter"]["source_hidden"] is True
    assert sources[3] == "After." and "jupyter" not in out.cells[3].metadata
    assert "**Exercise 2.1**" in sources[4] and "Compute." in sources[4]
    assert sources[5] == "**Solution to Exercise 2.1** (expand to read)"
    assert sources[6] == "Like this:" and out.cells[6].metadata["jupyter"]["source_hidden"]
    code = out.cells[7]
    assert (
        code.source == "x = 1" and code.metadata["jupyter"]["outputs_hidden"] and code.metadata["collapsed"]
    )
    assert sources[8] == "Next." and "jupyter" not in out.cells[8].metadata
    for cell in out.cells:
        assert ne.myst_leftovers(cell.source) == [] if cell.cell_type == "markdown" else True
    nbformat.validate(out)


def test_unknown_syntax_fails_loudly():
    with pytest.raises(ne.ExportError, match="directive"):
        ne.convert_markdown("```{mystery}\nx\n```", _site(), {})
    with pytest.raises(ne.ExportError, match="label"):
        ne.convert_markdown("{ref}`nowhere`", _site(), {})
    with pytest.raises(ne.ExportError, match="glued"):
        ne.convert_markdown("{glue:text}`missing`", _site(), {})


def test_download_names_are_unique():
    pages = ["chapters/regression", "exercises/regression", "appendix/notation"]
    names = [ne.download_name(p, pages) for p in pages]
    assert names == [
        "chapters/regression.ipynb",
        "exercises/regression-exercises.ipynb",
        "appendix/notation.ipynb",
    ]
    assert len({Path(n).name for n in names}) == len(names)


def test_leftovers_are_found():
    md = "Text {glue:text}`x`\n\n```{note}\nx\n```\n(label)=\n"
    assert len(ne.myst_leftovers(md)) == 3
