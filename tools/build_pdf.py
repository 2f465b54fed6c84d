"""Build the PDF edition: the whole book as one PDF, printed by Chromium from one HTML page.

1. **One HTML page.** Jupyter Book's ``singlehtml`` builder writes every page of the
   table of contents into one HTML file, with the chapter, section, equation, figure and
   exercise numbers, the cross-references and the bibliography of the HTML book. Nothing
   is executed: every page's outputs come from the execution cache of ``make book`` (the
   student edition: from its staged sources and the cache that ``tools/build_student.py``
   fills from the main one). A page without cached outputs stops the build with a
   message to run ``make book`` first.
2. **Prepared for print** (:func:`prepare_html`). Sphinx writes the single page as if it
   lay at the top of the output folder although the book's root page is
   ``chapters/introduction``; it is written again there as ``book.html``, with the links
   into itself made local (``#label``). A title page, a page for each part of the table of
   contents and the contents (chapters and their sections) are added; each heading in the
   contents gets an id, ``pdf-h-<n>``. MathJax is told not to add its hidden copy of each
   formula for screen readers (nothing in a PDF reads it, and it makes printing slower).
3. **Printed** by Debian's Chromium (the browser of the browser tests) through
   Playwright, offline: the page is served on 127.0.0.1 and a request to any other host
   is refused and fails the build. Before printing, MathJax has typeset every formula
   (its startup promise), every image has loaded, the drop-downs are open (the solutions
   of the full edition), short code cells are kept on one page, and a table, formula or
   output wider than the text is scaled down to fit (``PREPARE``); ``PRINT_CSS`` starts
   each chapter on a new page, wraps code and hides the website's navigation. The
   footer carries the page number.
4. **Contents with page numbers.** The first print says, through its named destinations
   (the targets of the links in the contents), on which page each heading lies. The
   title page and the contents alone (``front.html``, the same page without the chapters)
   are printed again with these numbers and replace the first pages of the book
   (:func:`assemble`); the bookmarks of the PDF are the entries of the contents.

Writes ``_build/pdf/book.pdf`` (``--student``: ``book-student.pdf``) and the record
``_build/pdf/build-time.json`` (``build-time-student.json``): the time of each step, the
number of pages, the formulas typeset and any left unrendered, the contents with their
pages. ``tests/pdf`` reads both.

    .venv/bin/python tools/build_pdf.py [--student]        (make pdf, make pdf-student)
"""

from __future__ import annotations

import argparse
import bisect
import functools
import html
import http.server
import json
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from book_pages import notebook_pages  # noqa: E402
from build_book import CACHE, READ_DATA, book_env, run_streamed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "_build" / "pdf"
# Debian's Chromium, started as the browser tests start it (tests/site/site_helpers.py)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARGIN = {"top": "16mm", "bottom": "16mm", "left": "16mm", "right": "16mm"}
TEXT_WIDTH_PX = round((210 - 32) / 25.4 * 96)  # A4 less the side margins, in CSS pixels
SHORT_BLOCK_PX = 260  # a code cell or output up to this height is not split across pages
HEADING = re.compile(r"<h([1-4])((?:\s[^>]*)?)>(.*?)</h\1>", re.S)
DOCUMENT = re.compile(r'<span id="document-([^"]+)"></span>')

PRINT_CSS = """
html { font-size: 10pt; }
body { background: white !important; display: block !important; }
/* the website's furniture */
.bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-header-article, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .headerlink, .copybtn,
.toggle-button, button.toggle-button, .search-button-field, .skip-link, #pst-back-to-top,
.header-article-items, .bd-search, .sbt-scroll-pixel-helper,
#jb-print-docs-body { display: none !important; }
.bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content,
.bd-article-container, .bd-article { display: block !important; max-width: none !important;
  width: auto !important; min-width: 0 !important; padding: 0 !important; margin: 0 !important;
  overflow: visible !important; }
.bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
/* title page, contents, parts */
.pdf-title-page { break-after: page; text-align: center; padding-top: 28%; }
.pdf-title-page h1 { font-size: 2.6em; line-height: 1.3; margin-bottom: 1em; border: none; }
.pdf-title-page p { font-size: 1.3em; color: #333; margin: 0.4em 0; }
.pdf-title-page .pdf-edition { font-weight: bold; color: #1a4f8b; }
.pdf-contents { break-after: page; }
.pdf-contents h1 { font-size: 2em; margin-bottom: 0.8em; }
.pdf-contents a { display: flex; align-items: baseline; color: #111 !important;
  text-decoration: none !important; break-inside: avoid; }
.pdf-contents .pdf-toc-title { flex: 1 1 auto; }
.pdf-contents .pdf-toc-page { flex: 0 0 3em; text-align: right; visibility: hidden; }
.pdf-contents .pdf-toc-page.pdf-known { visibility: visible; }
.pdf-contents .pdf-toc-part { font-weight: bold; font-size: 1.15em; margin: 1.1em 0 0.35em; }
.pdf-contents .pdf-toc-chapter { font-weight: 600; margin: 0.55em 0 0.1em; }
.pdf-contents .pdf-toc-section { padding-left: 2em; font-size: 0.95em; margin: 0.05em 0; }
.pdf-part { break-before: page; break-after: page; text-align: center; padding-top: 35%; }
.pdf-part .pdf-part-number { font-size: 1.4em; color: #555; margin: 0; }
.pdf-part .pdf-part-title { font-size: 2.4em; font-weight: bold; margin: 0.3em 0; }
/* each chapter on a new page (not twice after a part's page) */
span[id^="document-"] + section { break-before: page; }
.pdf-part + span[id^="document-"] + section, span.pdf-root + section { break-before: auto !important; }
span[id^="document-"] + section > h2, article > section > h1 { font-size: 2.1em; margin-bottom: 0.8em; }
article > section > section > h2 { font-size: 1.5em; }
h1, h2, h3, h4, .admonition-title { break-after: avoid; }
figure, img, mjx-container[display="true"], table, tr { break-inside: avoid; }
/* code and outputs wrap, nothing scrolls */
pre { white-space: pre-wrap !important; overflow-wrap: anywhere !important;
  overflow: visible !important; max-height: none !important; min-width: 0 !important;
  max-width: 100% !important; break-inside: auto !important; }
div.highlight, .cell, .cell_input, .cell_output, .output, div[class*="highlight-"] {
  display: block !important; overflow: visible !important; max-height: none !important;
  break-inside: auto; }
/* drop-downs open (PREPARE), without their buttons; nothing moves */
details > * { visibility: visible !important; opacity: 1 !important; }
*, *::before, *::after { transition: none !important; animation: none !important; }
img { max-width: 100% !important; height: auto !important; }
.table-wrapper, .pst-scrollable-table-container { overflow: visible !important; }
table { font-size: 0.92em; }
a { color: #1a4f8b !important; text-decoration: none !important; }
"""

# Run in the page before printing: waits for MathJax and the images, opens the drop-downs,
# keeps short blocks together and scales wide elements to the text width; returns what it found.
PREPARE = """
async ([textWidth, shortBlock]) => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  // Drop-downs open now: sphinx-togglebutton would open them when printing starts, by a
  // click on each with an animation and a console message each, which makes printing slow.
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  document.querySelectorAll(".toggle-hidden").forEach((el) => el.classList.remove("toggle-hidden"));
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise((resolve) => {
      img.addEventListener("load", resolve, {once: true});
      img.addEventListener("error", resolve, {once: true});
      setTimeout(resolve, 20000);
    });
  }));
  const main = document.querySelector("main") || document.body;
  const blocks = ".cell_input, .cell_output, div[class*='highlight-'], .admonition";
  for (const el of main.querySelectorAll(blocks)) {
    if (el.getBoundingClientRect().height < shortBlock) el.style.breakInside = "avoid";
  }
  let scaled = 0;
  const wide = main.querySelectorAll(
    "table, .cell_output .output, mjx-container[display='true'], pre, figure, .math");
  for (const el of wide) {
    const width = el.scrollWidth;
    if (width > textWidth + 1 && !(el.parentElement && el.parentElement.closest("[data-pdf-scaled]"))) {
      el.style.zoom = String(Math.max(0.35, textWidth / width));
      el.setAttribute("data-pdf-scaled", "");
      scaled += 1;
    }
  }
  const text = main.innerText;
  return {
    math_source: document.querySelectorAll("span.math, div.math").length,
    math_rendered: document.querySelectorAll("mjx-container").length,
    math_unrendered: Array.from(document.querySelectorAll("span.math, div.math"))
      .filter((el) => !el.querySelector("mjx-container"))
      .map((el) => el.textContent.slice(0, 80)),
    math_errors: Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
      .map((el) => el.getAttribute("data-mjx-error") || el.textContent.slice(0, 80)),
    raw_tex_delimiters: (text.match(/\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\$\\$/g) || []).length,
    images: images.length,
    broken_images: images.filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.getAttribute("src")),
    scaled_to_fit: scaled,
  };
}
"""

# Fills in the page numbers of the contents (id -> page).
FILL_CONTENTS = """
(pages) => {
  let found = 0;
  for (const a of document.querySelectorAll(".pdf-contents a[href^='#']")) {
    const span = a.querySelector(".pdf-toc-page");
    const page = pages[a.getAttribute("href").slice(1)];
    if (!span || page === undefined) continue;
    span.textContent = String(page);
    span.classList.add("pdf-known");
    found += 1;
  }
  return found;
}
"""

FOOTER = (
    '<div style="font-size:8.5px; color:#444; width:100%; text-align:center; '
    'font-family:sans-serif;"><span class="pageNumber"></span></div>'
)
HEADER = (
    '<div style="font-size:7.5px; color:#777; width:100%; margin:0 16mm; text-align:right; '
    'font-family:sans-serif;">{title}</div>'
)
# TeX in a heading, as plain text for a bookmark
TEX_TEXT = {
    r"\psi": "ψ",
    r"\phi": "φ",
    r"\theta": "θ",
    r"\lambda": "λ",
    r"\sigma": "σ",
    r"\mu": "μ",
    r"\alpha": "α",
    r"\beta": "β",
    r"\epsilon": "ε",
    r"\varepsilon": "ε",
    r"\nabla": "∇",
    r"\sum": "Σ",
    r"\infty": "∞",
    r"\pi": "π",
    r"\tau": "τ",
    r"\rho": "ρ",
    r"\omega": "ω",
    r"\Psi": "Ψ",
    r"\Phi": "Φ",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\times": "×",
    r"\cdot": "·",
    r"\to": "→",
    r"\approx": "≈",
    r"\gamma": "γ",
    r"\eta": "η",
    r"\kappa": "κ",
}


def tex_to_text(tex: str) -> str:
    """A formula of a heading as plain text: ``\\boldsymbol{X}^T\\boldsymbol{X}`` -> ``X^TX``."""
    for command, char in sorted(TEX_TEXT.items(), key=lambda kv: -len(kv[0])):
        tex = re.sub(re.escape(command) + r"(?![A-Za-z])", char, tex)
    tex = re.sub(r"\\[A-Za-z]+\s*", "", tex)  # \boldsymbol, \mathrm, \left, ...
    return re.sub(r"\s+", " ", tex.replace("{", "").replace("}", "").replace("\\", "")).strip()


def heading_text(fragment: str) -> str:
    """Plain text of a heading's HTML (without its "#" link), formulas as text."""
    fragment = re.sub(r'<a class="headerlink".*?</a>', "", fragment, flags=re.S)
    fragment = re.sub(
        r'<span class="math[^"]*">\\\((.*?)\\\)</span>',
        lambda m: tex_to_text(html.unescape(m.group(1))),
        fragment,
        flags=re.S,
    )
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass


def find_chromium() -> str:
    """Debian's Chromium, as the browser tests use it (``CHROMIUM`` names another)."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(
        "The PDF is printed by Debian's Chromium at /usr/bin/chromium (or set CHROMIUM=/path): "
        "install it as root with `apt-get install chromium` (.ci/run does so)."
    )


def check_cache(source: Path, cache_path: Path) -> int:
    """Every executed page of ``source`` has its outputs in ``cache_path``; their number."""
    from jupyter_cache import get_cache
    from jupyter_cache.readers import get_reader

    cache, reader = get_cache(str(cache_path)), get_reader(READ_DATA)
    pages = notebook_pages(source)
    missing = []
    for page in pages:
        try:
            cache.match_cache_notebook(reader(str(source / f"{page}.md")))
        except KeyError:
            missing.append(page)
    if missing:
        raise SystemExit(
            f"{len(missing)} page(s) have no executed outputs in {cache_path} "
            f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}): run `make book` first"
        )
    return len(pages)


def build_singlehtml(source: Path, output: Path, log_path: Path) -> Path:
    """``jupyter-book build --builder singlehtml`` (strict, from the cache); the output folder."""
    env = book_env()
    env.pop("PHYSML_BUILD_DIR", None)
    cmd = [
        str(Path(sys.executable).parent / "jupyter-book"),
        "build",
        str(source),
        "--path-output",
        str(output),
        "--builder",
        "singlehtml",
        "-n",
        "-W",
        "--keep-going",
        "--all",
    ]
    rc = run_streamed(cmd, source, env, log_path)
    if rc != 0:
        raise SystemExit(f"the single-page HTML build failed (exit code {rc}); its log: {log_path}")
    log = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text())
    executed = re.findall(r"(\S+)\.md: Executing notebook using", log)
    if executed:
        raise SystemExit(f"the single-page build executed {executed}: the cache of `make book` is stale")
    return output / "_build" / "singlehtml"


def roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def mathjax_for_print(text: str) -> str:
    """MathJax without assistive MathML (a hidden copy of every formula for screen readers)."""
    pattern = re.compile(r"<script>window\.MathJax = (\{.*?\})</script>", re.S)
    match = pattern.search(text)
    if match is None:
        raise SystemExit("the single page has no MathJax configuration (window.MathJax = ...)")
    config = json.loads(match.group(1))
    settings = config.setdefault("options", {}).setdefault("menuOptions", {}).setdefault("settings", {})
    settings.update(assistiveMml=False, collapsible=False, explorer=False)
    return text[: match.start(1)] + json.dumps(config) + text[match.end(1) :]


def unique_ids(article: str) -> str:
    """Make the ids that several pages use unique, and point each link at the right one.

    The single page joins pages whose ids were unique only within each page: the sections
    of several chapters are called ``notation`` or ``what-to-try-next``, and docutils
    numbers its own ids (``id7``) page by page. Such an id becomes ``<page>--<id>``. A link
    ``#<id>`` goes to the id of its own page; a citation goes to the bibliography's entry.
    """
    starts = [(0, "")] + [(m.start(), m.group(1)) for m in DOCUMENT.finditer(article)]
    positions = [p for p, _ in starts]

    def page_at(position: int) -> str:
        return starts[bisect.bisect_right(positions, position) - 1][1]

    pages_of: dict[str, set[str]] = {}
    citations: dict[str, str] = {}
    for m in re.finditer(r'(?<=\s)id="([^"]+)"', article):
        page = page_at(m.start())
        pages_of.setdefault(m.group(1), set()).add(page)
        if 'class="citation"' in article[article.rfind("<", 0, m.start()) : m.start()]:
            citations[m.group(1)] = page
    shared = {i for i, pages in pages_of.items() if len(pages) > 1}

    def replace(m: re.Match) -> str:
        old = m.group(1) or m.group(2)
        if old not in shared:
            return m.group(0)
        page = page_at(m.start())
        if m.group(1):
            return f'id="{page or "root"}--{old}"'
        if old in citations and m.group(3):  # a citation (its title is the reference)
            page = citations[old]
        elif page not in pages_of[old]:
            page = sorted(pages_of[old])[0]
        return f'href="#{page or "root"}--{old}"' + (m.group(3) or "")

    return re.sub(r'(?<=\s)(?:id="([^"]+)"|href="#([^"]+)"(\s+title=")?)', replace, article)


def contents_entries(article: str, toc: dict) -> tuple[str, list[dict]]:
    """Give the headings of the contents ids; the article and the entries of the contents.

    Entries: the root page and its sections, each part, each page of the table of contents
    and, for the chapters of numbered parts, their sections. Each is a dict with ``id``,
    ``kind`` (part, chapter, section), ``level`` (bookmark depth), ``text`` and ``html``.
    """
    numbered = {c["file"] for p in toc.get("parts", []) if p.get("numbered") for c in p.get("chapters", [])}
    numbered.add(toc["root"])
    first_of_part = {}
    for k, part in enumerate(toc.get("parts", []), start=1):
        if part.get("chapters"):
            first_of_part[part["chapters"][0]["file"]] = (k, part)
    entries: list[dict] = []
    out: list[str] = []
    position, document, in_part = 0, toc["root"], False
    n_numbered_parts = 0
    events = sorted(
        [(m.start(), "doc", m) for m in DOCUMENT.finditer(article)]
        + [(m.start(), "heading", m) for m in HEADING.finditer(article)],
        key=lambda e: e[0],
    )
    for start, kind, match in events:
        if start < position:
            continue  # a heading inside a heading cannot happen; be safe
        out.append(article[position:start])
        position = start
        if kind == "doc":
            document = match.group(1)
            if document in first_of_part:
                k, part = first_of_part[document]
                in_part = True
                label = ""
                if part.get("numbered"):
                    n_numbered_parts += 1
                    label = f"Part {roman(n_numbered_parts)}"
                pid = f"pdf-h-{len(entries)}"
                caption = html.escape(part["caption"])
                out.append(
                    f'<div class="pdf-part" id="{pid}">'
                    + (f'<p class="pdf-part-number">{label}</p>' if label else "")
                    + f'<p class="pdf-part-title">{caption}</p></div>'
                )
                text = f"{label}. {part['caption']}" if label else part["caption"]
                entries.append(dict(id=pid, kind="part", level=0, text=text, html=html.escape(text)))
            continue
        level, attrs, inner = int(match.group(1)), match.group(2) or "", match.group(3)
        depth = level - (1 if document == toc["root"] else 2)  # 0: the page's title, 1: a section
        if depth not in (0, 1) or (depth == 1 and document not in numbered):
            continue
        hid = f"pdf-h-{len(entries)}"
        if "id=" in attrs:
            hid = re.search(r'id="([^"]+)"', attrs).group(1)
        else:
            out.append(f'<h{level} id="{hid}"{attrs}>{inner}</h{level}>')
            position = match.end()
        base = 0 if (document == toc["root"] or not in_part) else 1
        entries.append(
            dict(
                id=hid,
                kind="chapter" if depth == 0 else "section",
                level=base + depth,
                text=heading_text(inner),
                html=re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S),
                document=document,
            )
        )
    out.append(article[position:])
    return "".join(out), entries


def contents_html(entries: list[dict]) -> str:
    rows = ['<nav class="pdf-contents" id="pdf-contents"><h1>Contents</h1>']
    for e in entries:
        page = '<span class="pdf-toc-page">000</span>'
        css = {"part": "pdf-toc-part", "chapter": "pdf-toc-chapter"}.get(e["kind"], "pdf-toc-section")
        rows.append(
            f'<a class="{css}" href="#{e["id"]}"><span class="pdf-toc-title">{e["html"]}</span>{page}</a>'
        )
    rows.append("</nav>")
    return "\n".join(rows)


def prepare_html(folder: Path, source: Path, front: dict) -> tuple[Path, Path, list[dict]]:
    """Write ``book.html`` and ``front.html`` (title page and contents only) beside the single
    page; returns their paths and the entries of the contents."""
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    root = toc["root"]
    text = (folder / f"{root}.html").read_text()
    text = text.replace(f'href="{root}.html#', 'href="#')
    text = mathjax_for_print(text)
    text = re.sub(
        r"<title>.*?</title>", f"<title>{html.escape(front['title'])}</title>", text, count=1, flags=re.S
    )
    start = text.find('<article class="bd-article">')
    end = text.rfind("</article>")
    if start < 0 or end < 0:
        raise SystemExit(f'{folder / root}.html has no <article class="bd-article">: the theme changed')
    start += len('<article class="bd-article">')
    # the root page has no "document-" anchor of its own: links to it go there
    article = f'<span id="document-{root}" class="pdf-root"></span>' + text[start:end]
    article, entries = contents_entries(unique_ids(article), toc)
    missing = [
        p
        for p in (e["file"] for part in toc["parts"] for e in part["chapters"])
        if f'id="document-{p}"' not in article
    ]
    if missing:
        raise SystemExit(f"the single page lacks pages of the table of contents: {missing}")
    title_page = (
        '<div class="pdf-title-page">'
        f"<h1>{html.escape(front['title'])}</h1>"
        + (f'<p class="pdf-edition">{html.escape(front["edition"])}</p>' if front["edition"] else "")
        + f"<p>{html.escape(front['author'])}</p>"
        + f"<p>{html.escape(front['copyright'])}</p></div>"
    )
    matter = title_page + contents_html(entries)
    book = text[:start] + matter + article + text[end:]
    # the title page and contents alone, with an empty target for every link of the contents
    targets = "".join(f'<span id="{e["id"]}"></span>' for e in entries)
    hidden = f'<div style="height:0; overflow:hidden">{targets}</div>'
    front_page = text[:start] + hidden + matter + text[end:]
    (folder / "book.html").write_text(book)
    (folder / "front.html").write_text(front_page)
    return folder / "book.html", folder / "front.html", entries


def destination_pages(pdf_path: Path) -> dict[str, tuple[int, float | None]]:
    """Named destination -> (page, 0-based, and its top on the page) of a PDF."""
    from pypdf import PdfReader

    reader = PdfReader(pdf_path)
    out = {}
    for name, dest in reader.named_destinations.items():
        page = reader.get_destination_page_number(dest)
        if page is not None and page >= 0:
            out[str(name).lstrip("/")] = (page, getattr(dest, "top", None))
    return out


def print_pages(
    book: Path, front: Path, body_pdf: Path, front_pdf: Path, entries: list[dict], header: str
) -> dict:
    """Print the book, then its front matter with the page numbers of the contents."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(book.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    foreign: list[str] = []
    errors: list[str] = []
    seconds: dict[str, float] = {}
    options = dict(format="A4", margin=MARGIN, print_background=True)
    numbered = dict(
        options,
        display_header_footer=True,
        header_template=HEADER.format(title=html.escape(header)),
        footer_template=FOOTER,
    )

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    def open_tab(context, url: str):
        tab = context.new_page()
        tab.set_default_timeout(600_000)
        tab.route("**/*", route)
        if url.endswith(book.name):  # front.html lacks the chapters that the theme's scripts look for
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(url, wait_until="load")
        tab.emulate_media(media="print")
        tab.add_style_tag(content=PRINT_CSS)
        return tab, tab.evaluate(PREPARE, [TEXT_WIDTH_PX, SHORT_BLOCK_PX])

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": TEXT_WIDTH_PX, "height": 1000})
            start = time.perf_counter()
            tab, report = open_tab(context, base + book.name)
            seconds["load_and_typeset"] = round(time.perf_counter() - start, 1)
            start = time.perf_counter()
            tab.pdf(path=str(body_pdf), **numbered)
            seconds["print"] = round(time.perf_counter() - start, 1)
            tab.close()
            start = time.perf_counter()
            dests = destination_pages(body_pdf)
            pages = {e["id"]: dests[e["id"]][0] + 1 for e in entries if e["id"] in dests}
            front_tab, _ = open_tab(context, base + front.name)
            report["contents_with_page"] = front_tab.evaluate(FILL_CONTENTS, pages)
            front_tab.pdf(path=str(front_pdf), **options)
            seconds["front_matter"] = round(time.perf_counter() - start, 1)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    report.update(seconds=seconds, foreign_requests=foreign, page_errors=errors)
    return report


def assemble(body_pdf: Path, front_pdf: Path, out: Path, entries: list[dict], metadata: dict) -> dict:
    """The book's PDF with the front matter that has page numbers, and bookmarks."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import Fit

    dests = destination_pages(body_pdf)
    front = PdfReader(front_pdf)
    n_front = len(front.pages)
    first = entries[0]["id"]
    if first not in dests or dests[first][0] != n_front:
        raise SystemExit(
            f"the front matter printed alone has {n_front} pages, in the book it has "
            f"{dests.get(first, (None,))[0]}: their layouts differ"
        )
    writer = PdfWriter()
    writer.append(str(body_pdf), import_outline=False)
    for i, page in enumerate(front.pages):
        writer.insert_page(page, index=i)
    for _ in range(n_front):
        writer.remove_page(n_front)
    parents: dict[int, object] = {}
    writer.add_outline_item(title="Contents", page_number=1)
    missing = []
    for e in entries:
        if e["id"] not in dests:
            missing.append(e["text"])
            continue
        page, top = dests[e["id"]]
        fit = Fit.xyz(top=top) if top is not None else Fit.fit()
        parent = parents.get(e["level"] - 1) if e["level"] > 0 else None
        item = writer.add_outline_item(
            title=e["text"], page_number=page, parent=parent, fit=fit, is_open=False
        )
        parents[e["level"]] = item
        for deeper in [lv for lv in parents if lv > e["level"]]:
            del parents[deeper]
    writer.add_metadata(metadata)
    writer.page_mode = "/UseOutlines"
    with open(out, "wb") as f:
        writer.write(f)
    return {
        "front_pages": n_front,
        "bookmarks": len(entries) - len(missing) + 1,
        "entries_without_page": missing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", action="store_true", help="the student edition (no solutions)")
    args = parser.parse_args()
    start = time.perf_counter()
    PDF.mkdir(parents=True, exist_ok=True)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    name = "book-student" if args.student else "book"
    record: dict = {"edition": "student" if args.student else "full"}
    if args.student:
        import build_student

        build_student.STUDENT.mkdir(parents=True, exist_ok=True)
        build_student.stage()
        build_student.fill_cache()
        source, cache_path = build_student.SOURCE, build_student.STUDENT_CACHE
    else:
        source, cache_path = ROOT, CACHE
    record["pages_from_cache"] = check_cache(source, cache_path)
    seconds = {"stage": round(time.perf_counter() - start, 1)}
    step = time.perf_counter()
    work = PDF / ("student" if args.student else "full")
    work.mkdir(parents=True, exist_ok=True)
    folder = build_singlehtml(source, work, PDF / f"build-{name}.log")
    seconds["singlehtml"] = round(time.perf_counter() - step, 1)
    front = {
        "title": config["title"],
        "edition": "Student edition" if args.student else "",
        "author": config.get("author", ""),
        "copyright": f"© {config.get('copyright', '')}".strip(),
    }
    book_html, front_html, entries = prepare_html(folder, source, front)
    step = time.perf_counter()
    body_pdf, front_pdf, pdf_path = work / "body.pdf", work / "front.pdf", PDF / f"{name}.pdf"
    header = config["title"] + (" (student edition)" if args.student else "")
    report = print_pages(book_html, front_html, body_pdf, front_pdf, entries, header)
    seconds["printing"] = round(time.perf_counter() - step, 1)
    step = time.perf_counter()
    metadata = {"/Title": header, "/Author": front["author"], "/Subject": "Printed from the executed book"}
    record.update(assemble(body_pdf, front_pdf, pdf_path, entries, metadata))
    seconds["assemble"] = round(time.perf_counter() - step, 1)
    from pypdf import PdfReader

    seconds.update(report.pop("seconds"))
    seconds["total"] = round(time.perf_counter() - start, 1)
    record.update(report, pdf=str(pdf_path.relative_to(ROOT)), n_pages=len(PdfReader(pdf_path).pages))
    record["seconds"] = seconds
    record["contents"] = [{k: e[k] for k in ("kind", "level", "text")} for e in entries]
    suffix = "-student" if args.student else ""
    (PDF / f"build-time{suffix}.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    problems = []
    if report["foreign_requests"]:
        problems.append(f"requests to other hosts (refused): {report['foreign_requests'][:5]}")
    if report["math_unrendered"] or report["math_errors"]:
        problems.append(f"formulas not typeset: {(report['math_unrendered'] + report['math_errors'])[:5]}")
    if report["broken_images"]:
        problems.append(f"images that did not load: {report['broken_images'][:5]}")
    if record["entries_without_page"]:
        problems.append(f"entries of the contents without a page: {record['entries_without_page'][:5]}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    print(
        f"{pdf_path.relative_to(ROOT)}: {record['n_pages']} pages in {seconds['total']} s "
        f"(single page {seconds['singlehtml']} s, printing {seconds['printing']} s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
