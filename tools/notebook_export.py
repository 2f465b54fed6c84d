"""The executed notebook of a page as a reader downloads it: Markdown that Jupyter renders.

A page's notebook, as myst-nb executes it, keeps the MyST source of its text cells:
roles (``{glue:text}`reg-n```, ``{ref}``, ``{eq}``, ``{cite}``), directives
(``{literalinclude}``, ``{math}``, ``{admonition}``, sphinx-exercise's ``{exercise}``
and ``{solution}``), labels ``(name)=`` and glue outputs that only myst-nb can show
(``application/papermill.record/*``). :func:`export_notebook` turns it into a notebook
that reads like the page:

* glued values are written into the text, formatted as on the page (myst-nb's own
  ``format_plain_text``); glue outputs that the page does not show are dropped;
* ``literalinclude`` becomes a fenced code block with the included code (read by
  Sphinx's own ``LiteralIncludeReader``, so it is the code the page shows);
* ``math`` directives and labelled ``$$ ... $$ (label)`` become display math with the
  page's equation number (``\\tag``); admonitions become block quotes; exercises get their
  number ("Exercise 3.2") as a bold title;
* cross-references (``ref``, ``numref``, ``doc``, ``eq``) become links to the site,
  citations "Author et al. (2009)" with a link to the bibliography;
* a solution is a cell of its own, titled "Solution to Exercise 3.2", whose source is
  collapsed (``jupyter.source_hidden``; code cells also ``outputs_hidden`` and the
  classic Notebook's ``collapsed``), so that a reader opens it on purpose.

Everything the conversion needs from the Sphinx build (labels, equation and exercise
numbers, citations, glued data, included files) comes in a :class:`Site`, so that the
conversion can be tested on small inputs without Sphinx. ``tools/book_site.py`` builds
the :class:`Site` from the Sphinx environment and writes the result for download.
"""

from __future__ import annotations

import copy
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat
import yaml
from myst_nb.core.variables import format_plain_text

GLUE_PREFIX = "application/papermill.record/"

# ```{name} argument   or   :::{name} argument   (any indentation, 3+ fence characters)
_FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*?)[ \t]*$"
)
_ROLE = re.compile(r"\{(?P<name>[\w:.-]+)\}`(?P<text>[^`]*)`")
_LABEL_LINE = re.compile(r"^\((?P<label>[^()\s]+)\)=[ \t]*$")
_MATH_LABEL = re.compile(r"\$\$[ \t]*\((?P<label>[^()\s]+)\)[ \t]*$")
_COMMENT_LINE = re.compile(r"^%(?!%)")
_TITLE_WITH_TARGET = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)

ADMONITIONS = {
    "admonition": "",
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
}
_DROPPED_DIRECTIVES = {"toctree", "tableofcontents", "only"}


@dataclass
class Site:
    """What the conversion needs to know about the built site, for one page.

    ``labels``: label -> (docname, anchor, title); ``equations``: label -> (docname, number);
    ``exercise_numbers``: label -> "3.2"; ``citations``: key -> (authors, year);
    ``titles``: docname -> page title; ``read_include``: (argument, options) -> the
    included text (relative to the page's source); ``exec_table``: the Markdown of the
    ``nb-exec-table`` directive. ``base_url`` is the site's address ("" for links
    relative to the page, as the page's own links are).
    """

    page: str
    labels: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    equations: dict[str, tuple[str, int]] = field(default_factory=dict)
    exercise_numbers: dict[str, str] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    read_include: Callable[[str, dict], str] | None = None
    exec_table: str = ""
    bibliography: str = "appendix/bibliography"
    base_url: str = ""

    def url(self, docname: str, anchor: str = "") -> str:
        """Address of ``docname`` (and ``#anchor``) seen from this page."""
        if self.base_url:
            target = self.base_url.rstrip("/") + "/" + docname + ".html"
        else:
            here = posixpath.dirname(self.page)
            target = posixpath.relpath(docname + ".html", here or ".")
        return target + (f"#{anchor}" if anchor else "")


class ExportError(ValueError):
    """The page uses something the conversion cannot turn into Markdown."""


# ---------------------------------------------------------------------------------------
# glue


def glue_data(nb) -> dict[str, dict]:
    """Glued data of the notebook: name -> mime bundle (without the papermill prefix)."""
    data = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook")
            if not scrapbook or output.get("output_type") not in ("display_data", "execute_result"):
                continue
            prefix = scrapbook.get("mime_prefix", "")
            data[scrapbook["name"]] = {
                key[len(prefix) :]: value
                for key, value in output.get("data", {}).items()
                if key.startswith(prefix)
            }
    return data


def _without_hidden_glue(outputs: list) -> list:
    """Outputs without the glue records the page does not display (only papermill mime types)."""
    kept = []
    for output in outputs:
        data = output.get("data", {})
        if data and all(key.startswith(GLUE_PREFIX) for key in data):
            continue
        kept.append(output)
    return kept


def _glued_text(glued: dict[str, dict], role: str, text: str) -> str:
    if role == "glue:text":
        key, _, spec = text.rpartition(":") if ":" in text else (text, "", "")
        if not key:
            key, spec = text, ""
        bundle = glued.get(key)
        if bundle is None or "text/plain" not in bundle:
            raise ExportError(f"no glued text/plain value {key!r}")
        return format_plain_text(bundle["text/plain"], spec or "s")
    bundle = glued.get(text)
    if bundle is None:
        raise ExportError(f"no glued value {text!r}")
    for mime in ("text/markdown", "text/plain"):
        if mime in bundle:
            return format_plain_text(bundle[mime], "s") if mime == "text/plain" else bundle[mime]
    raise ExportError(f"glued value {text!r} has no text to paste")


# ---------------------------------------------------------------------------------------
# roles


def _cite_text(site: Site, keys: str, textual: bool) -> str:
    parts = []
    for key in [k.strip() for k in keys.split(",") if k.strip()]:
        authors, year = site.citations.get(key, (key, ""))
        parts.append(f"{authors} ({year})" if textual and year else f"{authors}, {year}" if year else authors)
    text = "; ".join(parts)
    text = text if textual else f"({text})"
    return f"[{text}]({site.url(site.bibliography)})"


def _split_title(text: str) -> tuple[str | None, str]:
    match = _TITLE_WITH_TARGET.match(text.strip())
    if match and match.group("title"):
        return match.group("title"), match.group("target").strip()
    return None, text.strip()


def _ref(site: Site, role: str, text: str) -> str:
    title, target = _split_title(text)
    if role == "doc":
        base = posixpath.dirname(site.page)
        docname = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        )
        docname = re.sub(r"\.(md|ipynb)$", "", docname)
        return f"[{title or site.titles.get(docname, docname)}]({site.url(docname)})"
    if role == "eq":
        if target not in site.equations:
            raise ExportError(f"unknown equation label {target!r}")
        docname, number = site.equations[target]
        return f"[{title or f'({number})'}]({site.url(docname, 'equation-' + target)})"
    if target not in site.labels:
        raise ExportError(f"unknown label {target!r}")
    docname, anchor, label_title = site.labels[target]
    if role == "numref":
        number = site.exercise_numbers.get(target, "")
        shown = (title or "Exercise {number}").replace("%s", number).replace("{number}", number)
        return f"[{shown}]({site.url(docname, anchor)})"
    return f"[{title or label_title}]({site.url(docname, anchor)})"


def convert_roles(text: str, site: Site, glued: dict[str, dict]) -> str:
    """Replace every MyST role in ``text`` (outside inline code) by Markdown."""

    def replace(match: re.Match) -> str:
        name, body = match.group("name"), match.group("text")
        if name.startswith("glue"):
            return _glued_text(glued, name, body)
        if name in ("ref", "numref", "doc", "eq"):
            return _ref(site, name, body)
        if name in ("cite", "cite:p", "cite:ps", "cite:t", "cite:ts"):
            return _cite_text(site, body, textual=name.startswith("cite:t"))
        if name == "math":
            return f"${body}$"
        if name in ("sub", "sup"):
            return f"<{name}>{body}</{name}>"
        if name in ("code", "literal", "kbd", "file", "samp"):
            return f"`{body}`"
        if name == "term":
            return _split_title(body)[0] or body
        if name in ("abbr",):
            return re.sub(r"\s*\(.*\)$", "", body)
        raise ExportError(f"role {{{name}}} has no Markdown form")

    out, pos = [], 0
    # inline code spans are left alone: a role shown as an example stays an example
    for code in re.finditer(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", text, flags=re.DOTALL):
        before = text[pos : code.start()]
        # a role's backtick span starts right after "}"
        if before.endswith("}") and re.search(r"\{[\w:.-]+\}$", before):
            continue
        out.append(_ROLE.sub(replace, before))
        out.append(code.group(0))
        pos = code.end()
    out.append(_ROLE.sub(replace, text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------------------------------
# directives


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str


def _option_value(text: str) -> str:
    """An option's value as MyST reads it: a quoted value loses its quotes (YAML)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return str(yaml.safe_load(text))
    return text


_PLAIN_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})(?!\{)")  # a code fence that is not a directive


def _fence_after(line: str, fence: str | None) -> str | None:
    """The plain code fence open after ``line``: ``fence`` kept, closed (None), or newly opened.

    Inside a plain fence every line is copied as it is (no directive, label or role there).
    """
    if fence:
        closes = re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line)
        return None if closes else fence
    opened = _PLAIN_FENCE.match(line)
    return opened.group(1) if opened else None


def _parse_block(lines: list[str], start: int) -> tuple[Directive, int] | None:
    """The directive opening at ``lines[start]`` and the index after its closing fence."""
    match = _FENCE_OPEN.match(lines[start])
    if not match:
        return None
    indent, fence = match.group("indent"), match.group("fence")
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    end = start + 1
    while end < len(lines) and not closing.match(lines[end]):
        end += 1
    content = [
        line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[start + 1 : end]
    ]
    options: dict[str, str] = {}
    i = 0
    if content and content[0].strip() == "---":  # YAML options block
        i = 1
        while i < len(content) and content[i].strip() != "---":
            i += 1
        loaded = yaml.safe_load("\n".join(content[1:i])) or {}
        options = {str(k): "" if v is None else str(v) for k, v in loaded.items()}
        i += 1
    else:
        while i < len(content):
            option = re.match(r"^:(?P<key>[\w-]+):(?:[ \t]+(?P<value>.*))?$", content[i])
            if not option:
                break
            options[option.group("key")] = _option_value(option.group("value") or "")
            i += 1
    body = "\n".join(content[i:]).strip("\n")
    directive = Directive(match.group("name"), match.group("arg"), options, body)
    return directive, min(end + 1, len(lines))


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _anchor(label: str | None) -> str:
    return f'<a id="{label}"></a>\n\n' if label else ""


def _include(site: Site, directive: Directive) -> str:
    if site.read_include is None:
        raise ExportError("literalinclude without a way to read files")
    code = site.read_include(directive.argument, directive.options).rstrip("\n")
    language = directive.options.get("language") or ("python" if directive.argument.endswith(".py") else "")
    caption = directive.options.get("caption")
    fence = "````" if "```" in code else "```"
    block = f"{fence}{language}\n{code}\n{fence}"
    return (f"*{caption}*\n\n" if caption else "") + block


def _math(site: Site, body: str, label: str | None) -> str:
    tag = ""
    if label and label in site.equations and "\\\\" not in body and "\\begin" not in body:
        tag = f" \\tag{{{site.equations[label][1]}}}"
    anchor = _anchor(f"equation-{label}" if label else None)
    return f"{anchor}$$\n{body.strip()}{tag}\n$$"


def _exercise_title(site: Site, label: str | None, title: str, kind: str = "Exercise") -> str:
    number = site.exercise_numbers.get(label or "", "")
    head = f"{kind} {number}".strip()
    return f"**{head}**" + (f" ({title})" if title else "")


def convert_directive(directive: Directive, site: Site, glued: dict[str, dict]) -> str:
    """Markdown for one directive that is not a solution (solutions are cells of their own)."""
    name = directive.name
    label = directive.options.get("label") or directive.options.get("name")
    if name == "literalinclude":
        return _include(site, directive)
    if name in ("code-block", "code", "sourcecode"):
        return f"```{directive.argument}\n{directive.body}\n```"
    if name == "math":
        return _math(site, directive.body, label)
    if name in ADMONITIONS:
        title = directive.argument or ADMONITIONS[name]
        body = convert_markdown(directive.body, site, glued)
        return _quote((f"**{title}**\n\n" if title else "") + body)
    if name == "exercise":
        head = _exercise_title(site, label, directive.argument)
        return _anchor(label) + _quote(head + "\n\n" + convert_markdown(directive.body, site, glued))
    if name in ("figure", "image"):
        alt = directive.options.get("alt", "")
        caption = convert_markdown(directive.body, site, glued) if name == "figure" else ""
        image = f"![{alt}]({directive.argument})"
        return _anchor(label) + image + (f"\n\n*{caption}*" if caption else "")
    if name == "nb-exec-table":
        return site.exec_table or "*The table of execution times is on the page in the book.*"
    if name == "bibliography":
        return f"The references are listed in the [bibliography]({site.url(site.bibliography)})."
    if name in _DROPPED_DIRECTIVES:
        return ""
    raise ExportError(f"directive {{{name}}} has no Markdown form")


def convert_markdown(text: str, site: Site, glued: dict[str, dict]) -> str:
    """Markdown for a piece of MyST text without solutions."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    in_fence = None  # a plain fenced code block: copied as it is
    while i < len(lines):
        line = lines[i]
        if in_fence or _PLAIN_FENCE.match(line):
            out.append(line)
            in_fence = _fence_after(line, in_fence)
            i += 1
            continue
        block = _parse_block(lines, i)
        if block:
            directive, i = block
            indent = _FENCE_OPEN.match(line).group("indent")
            converted = convert_directive(directive, site, glued)
            out.extend(indent + part if part else part for part in converted.splitlines())
            continue
        label = _LABEL_LINE.match(line)
        if label:
            out.append(_anchor(label.group("label")).rstrip("\n"))
        elif _COMMENT_LINE.match(line):
            pass
        else:
            out.append(line)
        i += 1
    return _convert_prose("\n".join(out), site, glued).strip("\n")


def _convert_prose(text: str, site: Site, glued: dict[str, dict]) -> str:
    """Roles and labelled display math, outside fenced code blocks."""
    parts = re.split(
        r"(^[ \t]*(?:`{3,}|~{3,})[^\n]*\n.*?^[ \t]*(?:`{3,}|~{3,})[ \t]*$)", text, flags=re.M | re.S
    )
    for n in range(0, len(parts), 2):
        chunk = convert_roles(parts[n], site, glued)

        def tagged(match: re.Match) -> str:
            label = match.group("label")
            number = site.equations.get(label, (None, None))[1]
            return f"\\tag{{{number}}}$$" if number else "$$"

        # "$$ (label)" closes a labelled equation; the anchor goes before its opening "$$"
        for match in list(_MATH_LABEL.finditer(chunk))[::-1]:
            label = match.group("label")
            opening = chunk.rfind("$$", 0, match.start())
            chunk = chunk[: match.start()] + tagged(match) + chunk[match.end() :]
            if opening >= 0:
                chunk = chunk[:opening] + f'<a id="equation-{label}"></a>\n\n' + chunk[opening:]
        parts[n] = chunk
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# cells and solutions


def _hidden(cell) -> None:
    """Collapse the cell's source in JupyterLab, Notebook 7 and VS Code (and the outputs of code)."""
    jupyter = cell.metadata.setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    if cell.cell_type == "code":
        jupyter["outputs_hidden"] = True
        cell.metadata["collapsed"] = True  # the classic Notebook's flag
    tags = cell.metadata.setdefault("tags", [])
    if "solution" not in tags:
        tags.append("solution")


def _bookkeeping(cell) -> bool:
    """A code cell the page removes (tag ``remove-cell``: it only glues values): collapsed here too.

    Its glued values are already written into the Markdown; the cell stays, hidden, so that
    the notebook runs as the page did.
    """
    tags = cell.metadata.get("tags", [])
    if "remove-cell" not in tags and "remove_cell" not in tags:
        return False
    jupyter = cell.metadata.setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    jupyter["outputs_hidden"] = True
    cell.metadata["collapsed"] = True
    return True


def _solution_head(site: Site, directive: Directive) -> str:
    target = directive.argument.strip()
    title = _exercise_title(site, target, "", kind="Solution to Exercise")
    return f"{title} (expand to read)"


def _is_answer_dropdown(directive: Directive) -> bool:
    """A drop-down admonition with the answers of the "Test yourself" questions."""
    return (
        directive.name == "admonition"
        and "dropdown" in directive.options.get("class", "")
        and directive.argument.strip().lower().startswith(("answer", "solution"))
    )


def _split_markdown(text: str) -> list[tuple[str, str, Directive | None]]:
    """Pieces of a Markdown cell: ("text", source, None) or a solution-like directive."""
    lines = text.splitlines()
    pieces: list[tuple[str, str, Directive | None]] = []
    current: list[str] = []
    i = 0
    in_fence = None
    while i < len(lines):
        line = lines[i]
        if in_fence or _PLAIN_FENCE.match(line):
            current.append(line)
            in_fence = _fence_after(line, in_fence)
            i += 1
            continue
        block = _parse_block(lines, i)
        if block and (
            block[0].name in ("solution", "solution-start", "solution-end") or _is_answer_dropdown(block[0])
        ):
            pieces.append(("text", "\n".join(current), None))
            current = []
            pieces.append((block[0].name, "\n".join(lines[i : block[1]]), block[0]))
            i = block[1]
            continue
        if block:
            current.extend(lines[i : block[1]])
            i = block[1]
            continue
        current.append(line)
        i += 1
    pieces.append(("text", "\n".join(current), None))
    return [p for p in pieces if p[0] != "text" or p[1].strip()]


def _gated_exercise(site: Site, text: str, glued: dict[str, dict]) -> str:
    """``exercise-start``/``exercise-end`` markers: the title replaces the start, the end goes."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        block = _parse_block(lines, i)
        if block and block[0].name in ("exercise-start", "exercise-end"):
            directive, i = block
            if directive.name == "exercise-start":
                label = directive.options.get("label")
                out.append(_anchor(label) + _exercise_title(site, label, directive.argument))
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def export_notebook(nb, site: Site):
    """A copy of the executed notebook ``nb`` of ``site.page`` whose Markdown Jupyter renders."""
    nb = copy.deepcopy(nb)
    glued = glue_data(nb)
    cells = []
    in_solution = False
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _without_hidden_glue(cell.get("outputs", []))
            if in_solution:
                _hidden(cell)
            else:
                _bookkeeping(cell)
            cells.append(cell)
            continue
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        for kind, source, directive in _split_markdown(_gated_exercise(site, cell.source, glued)):
            if kind == "solution-end":
                in_solution = False
                continue
            if kind == "solution-start":
                in_solution = True
                cells.append(nbformat.v4.new_markdown_cell(_solution_head(site, directive)))
                continue
            if kind in ("solution", "admonition"):  # a solution, or the answers of "Test yourself"
                if kind == "solution":
                    head = _solution_head(site, directive)
                else:
                    head = f"**{directive.argument.strip()}** (expand to read)"
                cells.append(nbformat.v4.new_markdown_cell(head))
                new = nbformat.v4.new_markdown_cell(convert_markdown(directive.body, site, glued))
                _hidden(new)
                cells.append(new)
                continue
            new = nbformat.v4.new_markdown_cell(convert_markdown(source, site, glued))
            if in_solution:
                _hidden(new)
            cells.append(new)
    nb.cells = cells
    # the glued values of this build, as text: for tools and tests (the outputs are dropped)
    nb.metadata.setdefault("physml", {})["glue"] = {
        name: bundle["text/plain"] for name, bundle in glued.items() if "text/plain" in bundle
    }
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    for cell in nb.cells:  # nbformat 4.5 wants an id on every cell
        cell.setdefault("id", nbformat.v4.new_markdown_cell().id)
    return nb


# ---------------------------------------------------------------------------------------
# file names


def download_name(page: str, pages: list[str]) -> str:
    """Path of the page's notebook under ``_sources``: unique file names across the book.

    An exercise page is ``exercises/<name>-exercises.ipynb`` (its chapter is
    ``chapters/<name>.ipynb``); any other page whose file name another page also has gets
    its folder appended the same way.
    """
    folder, _, stem = page.rpartition("/")
    if folder == "exercises":
        return f"{page}-exercises.ipynb"
    same = [p for p in pages if p.rpartition("/")[2] == stem and p != page]
    if same and folder and folder != "chapters":
        return f"{page}-{folder.rpartition('/')[2]}.ipynb"
    return f"{page}.ipynb"


def myst_leftovers(markdown: str) -> list[str]:
    """MyST syntax that Jupyter would show as raw text: roles, directive fences, labels."""
    found = []
    text = re.sub(r"^[ \t]*(`{3,}|~{3,})[^{\n]*\n.*?^[ \t]*\1[ \t]*$", "", markdown, flags=re.M | re.S)
    text = re.sub(r"(?<![}`])(`+)(?!`).+?\1", "", text)
    found += [m.group(0) for m in _ROLE.finditer(text)]
    found += [m.group(0) for m in re.finditer(r"^[ \t]*(`{3,}|:{3,})\{[\w:.-]+\}.*$", markdown, flags=re.M)]
    found += [m.group(0) for m in re.finditer(r"^\([^()\s]+\)=[ \t]*$", text, flags=re.M)]
    found += [m.group(0) for m in _MATH_LABEL.finditer(text)]
    return found
