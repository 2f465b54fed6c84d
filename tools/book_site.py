"""Sphinx extension: the book's website as readers meet it.

* **Executed notebooks for download.** The executed notebook of every page (its cells
  with the outputs from the execution cache), converted by ``tools/notebook_export.py``
  into Markdown that Jupyter renders (glued values in the text, included code, directives
  and references as Markdown, solutions collapsed), is written next to the page source,
  ``_build/html/_sources/<page>.ipynb`` (an exercise page ``<page>-exercises.ipynb``, so
  that no two downloads have the same file name), and sphinx-book-theme is told about it,
  so the download menu of every notebook page offers ``.ipynb`` (with outputs) besides
  ``.md``.
* **No Thebe assets when Thebe is off.** Jupyter Book always loads sphinx-thebe, which adds
  its configuration script (``const THEBE_JS_URL = ...``) to every page, and it ends up
  there twice: ``Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been
  declared``. With ``launch_buttons: thebe: false`` nothing uses it, so its handlers are
  disconnected.
* **Readable result tables.** ``static/book-site.css`` lays out the tables of reference
  checks and package versions compactly and lets a wide output scroll sideways.
* **Each script once.** An inline script added while the build runs (sphinx-thebe's, and
  sphinx-togglebutton's selector) is registered with Sphinx once with filename ``None``
  and once with ``""``; Sphinx does not see these as equal and writes both. Such
  duplicates are written once per page.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.readers import get_reader
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.directives.code import LiteralIncludeReader
from sphinx.errors import ExtensionError
from sphinx.util import logging

sys.path.insert(0, str(Path(__file__).parent))
import notebook_export  # noqa: E402

logger = logging.getLogger(__name__)
READ_DATA = {"name": "myst_nb_md", "type": "plugin"}  # myst-nb's reader of MyST notebooks

# sphinx-thebe handlers that add the Thebe configuration to every page.
_THEBE_HANDLERS = {("env-before-read-docs", "init_thebe_core"), ("doctree-resolved", "update_thebe_context")}


def _thebe_enabled(app) -> bool:
    launch = (app.config.html_theme_options or {}).get("launch_buttons", {}) or {}
    return bool(launch.get("thebe", False))


def _disable_thebe(app) -> None:
    if _thebe_enabled(app):
        return
    for event, listeners in app.events.listeners.items():
        for listener in list(listeners):
            handler = listener.handler
            key = (event, getattr(handler, "__name__", ""))
            if getattr(handler, "__module__", "") == "sphinx_thebe" and key in _THEBE_HANDLERS:
                app.disconnect(listener.id)


def _dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attrs = getattr(script, "attributes", {}) or {}
        # an inline script has filename None or "" depending on how it was registered
        filename = str(getattr(script, "filename", script) or "")
        key = (filename, tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique  # a new list: the builder's own list stays untouched


def executed_notebook(app, docname: str) -> nbformat.NotebookNode | None:
    """The executed notebook of page ``docname`` (None for a page without code).

    In cache mode myst-nb renders the cached outputs but writes the notebook *without*
    them to ``_build/jupyter_execute``; so the page is read again and merged with its
    outputs from the execution cache, exactly as myst-nb does when it renders the page.
    """
    if not NbMetadataCollector.get_exec_data(app.env, docname):
        return None
    source = Path(app.env.doc2path(docname))
    config = app.env.mystnb_config
    if config.execution_mode == "cache":
        cache_path = Path(config.execution_cache_path)
        if not cache_path.is_absolute():
            cache_path = Path.cwd() / cache_path
        nb = get_reader(READ_DATA)(str(source))
        try:
            _, nb = get_cache(str(cache_path)).merge_match_into_notebook(nb)
        except KeyError:
            return None
    else:
        path = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
        if not path.exists():
            return None
        nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("source_map", None)  # myst-nb's bookkeeping, not part of the notebook
    return nb


def _offer_notebook(app, pagename, templatename, context, doctree) -> None:
    """Write the executed notebook next to the page source and add it to the download menu."""
    if context.get("page_source_suffix") != ".md":
        return
    nb = executed_notebook(app, pagename)
    if nb is None:
        return
    try:
        nb = notebook_export.export_notebook(nb, site_info(app, pagename))
    except notebook_export.ExportError as err:
        raise ExtensionError(f"{pagename}: the downloadable notebook cannot be written: {err}") from err
    name = notebook_export.download_name(pagename, sorted(app.env.found_docs))
    target = Path(app.outdir) / "_sources" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    # sphinx-book-theme links ``_sources/<ipynb_source>`` as ".ipynb" in its download menu.
    context["ipynb_source"] = name


def _citations(app) -> dict[str, tuple[str, str]]:
    """key -> (authors as cited, year) of every entry of the book's bibliography files."""
    cached = getattr(app, "_physml_citations", None)
    if cached is not None:
        return cached
    from pybtex.database import parse_file

    citations = {}
    for name in app.config.bibtex_bibfiles:
        for key, entry in parse_file(str(Path(app.srcdir) / name)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in people]
            authors = (
                last[0]
                if len(last) == 1
                else f"{last[0]} and {last[1]}"
                if len(last) == 2
                else f"{last[0]} et al."
                if last
                else key
            )
            citations[key] = (authors, entry.fields.get("year", ""))
    app._physml_citations = citations
    return citations


def _exec_table(app) -> str:
    """The table of the ``nb-exec-table`` directive, as Markdown."""
    rows = ["| page | modified | method | run time (s) | status |", "| --- | --- | --- | --- | --- |"]
    for docname in sorted(app.env.found_docs):
        data = NbMetadataCollector.get_exec_data(app.env, docname)
        if not data:
            continue
        runtime = data.get("runtime")
        modified = data.get("mtime")
        if isinstance(modified, (int, float)):
            import datetime

            modified = datetime.datetime.fromtimestamp(modified).strftime("%Y-%m-%d %H:%M")
        status = "✅" if data.get("succeeded") else "❌"
        seconds = f"{runtime:.2f}" if isinstance(runtime, (int, float)) else "-"
        rows.append(f"| {docname} | {modified or '-'} | {data.get('method', '-')} | {seconds} | {status} |")
    return "\n".join(rows)


def site_info(app, docname: str) -> notebook_export.Site:
    """What the notebook of ``docname`` needs from the build: labels, numbers, citations, files."""
    env = app.env
    std = env.get_domain("std")
    labels = dict(std.labels)
    for label, (doc, anchor) in std.anonlabels.items():
        labels.setdefault(label, (doc, anchor, label))
    math = env.get_domain("math").data.get("objects", {})
    equations = {label: (doc, number) for label, (doc, number) in math.items()}
    exercise_numbers = {}
    for label, (doc, anchor, _) in labels.items():
        number = env.toc_fignumbers.get(doc, {}).get("exercise", {}).get(anchor)
        if number:
            exercise_numbers[label] = ".".join(str(n) for n in number)
    titles = {doc: title.astext() for doc, title in env.titles.items()}
    source = Path(env.doc2path(docname))

    def read_include(argument: str, options: dict) -> str:
        path = (source.parent / argument).resolve()
        text, _ = LiteralIncludeReader(str(path), dict(options), app.config).read()
        return text

    return notebook_export.Site(
        page=docname,
        labels=labels,
        equations=equations,
        exercise_numbers=exercise_numbers,
        citations=_citations(app),
        titles=titles,
        read_include=read_include,
        exec_table=_exec_table(app),
        base_url=app.config.html_baseurl or "",
    )


def _add_static(app) -> None:
    app.config.html_static_path.append(str(Path(__file__).parent / "static"))


def setup(app):
    app.connect("builder-inited", _disable_thebe)
    app.connect("builder-inited", _add_static)
    app.add_css_file("book-site.css")
    # before sphinx-book-theme builds its header buttons (priority 501)
    app.connect("html-page-context", _offer_notebook, priority=400)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
