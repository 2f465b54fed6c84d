"""Preparing the single-page HTML for the PDF edition (small inputs, no build, no browser)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from build_pdf import contents_entries, heading_text, mathjax_for_print, roman, tex_to_text, unique_ids  # noqa: E402

# two pages joined by the singlehtml builder: both have a section "notation" and an "id1"
ARTICLE = """<section id="intro"><h1>Introduction<a class="headerlink" href="#intro">#</a></h1>
<section id="how"><h2>How to read</h2><p>See <a href="#notation">notation</a>.</p></section>
<div class="toctree-wrapper compound">
<span id="document-chapters/a"></span><section id="chapter-a">
<h2><span class="section-number">1. </span>A</h2>
<section id="notation"><h3><span class="section-number">1.1. </span>Why \
<span class="math notranslate nohighlight">\\(\\boldsymbol{X}^T\\psi\\)</span></h3>
<p><span class="bibtex-citation" id="id1">
[<a class="reference internal" href="#id1" title="Ref">2020</a>]</span>
<a href="#notation">here</a></p><h4>Deeper</h4></section></section>
<span id="document-appendix/bibliography"></span><section id="bib"><h2>Bibliography</h2>
<section id="notation"><h3>Notation</h3></section>
<div class="citation" id="id1" role="doc-biblioentry">Ref</div></section>
</div></section>"""

TOC = {
    "root": "intro",
    "parts": [
        {"caption": "Foundations", "numbered": True, "chapters": [{"file": "chapters/a"}]},
        {"caption": "Appendix", "chapters": [{"file": "appendix/bibliography"}]},
    ],
}


def test_shared_ids_become_unique_and_links_find_their_page():
    out = unique_ids(ARTICLE)
    assert out.count('id="chapters/a--notation"') == 1
    assert out.count('id="appendix/bibliography--notation"') == 1
    assert 'href="#chapters/a--notation">here' in out  # the section of its own page
    assert 'href="#appendix/bibliography--id1" title="Ref"' in out  # a citation: the bibliography
    assert 'id="chapters/a--id1"' in out and 'id="appendix/bibliography--id1"' in out
    assert 'id="chapter-a"' in out and 'id="how"' in out  # ids used once stay as they were


def test_contents_entries_and_part_pages():
    article, entries = contents_entries(ARTICLE, {**TOC, "root": "intro"})
    kinds = [(e["kind"], e["level"], e["text"]) for e in entries]
    assert kinds == [
        ("chapter", 0, "Introduction"),
        ("section", 1, "How to read"),
        ("part", 0, "Part I. Foundations"),
        ("chapter", 1, "1. A"),
        ("section", 2, "1.1. Why X^Tψ"),
        ("part", 0, "Appendix"),
        ("chapter", 1, "Bibliography"),  # the appendix lists no sections
    ]
    assert article.count('class="pdf-part"') == 2
    assert article.index('class="pdf-part" id="pdf-h-2"') < article.index('id="document-chapters/a"')
    for entry in entries:
        assert f'id="{entry["id"]}"' in article
    assert "Deeper" not in [e["text"] for e in entries]


def test_text_of_headings_and_formulas():
    assert tex_to_text(r"\boldsymbol{X}^T\boldsymbol{X}") == "X^TX"
    assert tex_to_text(r"|\psi_T|^2") == "|ψ_T|^2"
    assert heading_text('A <em>b</em> &amp; c<a class="headerlink" href="#x">#</a>') == "A b & c"
    assert [roman(n) for n in (1, 4, 9, 14)] == ["I", "IV", "IX", "XIV"]


def test_mathjax_without_assistive_mathml():
    page = '<script>window.MathJax = {"options": {"processHtmlClass": "math"}}</script>'
    out = mathjax_for_print(page)
    assert '"assistiveMml": false' in out and '"processHtmlClass": "math"' in out
