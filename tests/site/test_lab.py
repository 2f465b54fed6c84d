"""``make lab``: in JupyterLab, a chapter's .md file opens as a notebook (jupytext)."""

from __future__ import annotations

import json
import os
import re
import sys
import time

import jupytext
from bs4 import BeautifulSoup
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from site_helpers import HTML, ROOT, SCREENSHOTS, offline_page

sys.path.insert(0, str(ROOT / "tools"))
import lab_edition  # noqa: E402
import lab_setup  # noqa: E402

CHAPTER = "chapters/introduction.md"


def test_overrides_keep_other_settings(tmp_path):
    (tmp_path / "overrides.json").write_text(
        json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "x"}})
    )
    for _ in range(2):  # idempotent
        path = lab_setup.write_overrides(tmp_path)
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:themes"] == {"theme": "x"}
    viewers = settings["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def _lab_env(tmp_path) -> dict:
    """The test's own JupyterLab user settings: autosave off, every cell rendered."""
    user = tmp_path / "user-settings" / "@jupyterlab"
    for plugin, settings in (
        ("docmanager-extension/plugin", {"autosave": False}),
        ("notebook-extension/tracker", {"windowingMode": "none"}),
        ("apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False}),
    ):
        path = user / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def test_numbers_in_the_prose_are_visible_in_jupyterlab(browser, tmp_path):
    """``make lab``: a chapter run in JupyterLab shows its glued numbers in the rendered prose.

    The lab edition of the introduction is opened in JupyterLab (with the jupyterlab-myst
    renderer), run with *Run All Cells* in headless Chromium, and the sentence that the
    book fills with glued values is read from the rendered Markdown: its numbers must be
    those of the built page (the run is deterministic), and no role is left unrendered.
    """
    page = ROOT / CHAPTER
    (notebook,) = lab_edition.write([page])  # what `make lab` does
    book_text = _words(
        BeautifulSoup((HTML / "chapters" / "introduction.html").read_text(), "html.parser").get_text()
    )
    pattern = (
        r"After (\d+) steps with .{0,60}? on (\d+) points the fitted line has intercept "
        r".{0,40}?(\d+\.\d+) ± (\d+\.\d+)"
    )
    expected = re.search(pattern, book_text)
    assert expected, "the built introduction lacks the sentence the test reads"
    proc, base, token = lab_setup.start_server("lab", env=_lab_env(tmp_path))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    found, text = None, ""
    try:
        tab, network = offline_page(context)
        rel = notebook.relative_to(ROOT).as_posix()
        tab.goto(f"{base}lab/tree/{rel}?token={token}")
        tab.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
        try:  # JupyterLab may ask which kernel to start for a notebook it has not seen
            tab.click(".jp-Dialog button.jp-mod-accept", timeout=15_000)
        except PlaywrightTimeout:
            pass
        tab.click(".lm-MenuBar-itemLabel:text-is('Run')", timeout=20_000)
        tab.click(".lm-Menu-itemLabel:text-is('Run All Cells')", timeout=20_000)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and found is None:
            time.sleep(1)
            text = _words(tab.inner_text(".jp-Notebook"))
            found = re.search(pattern, text)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if found:
            tab.get_by_text("steps on", exact=False).first.scroll_into_view_if_needed()
        tab.screenshot(path=str(SCREENSHOTS / "jupyterlab-numbers.png"))
    finally:
        context.close()
        lab_setup.stop_server(proc)
    assert found, f"no glued number in the rendered prose; it reads: {text[:2000]}"
    assert found.groups() == expected.groups(), (found.groups(), expected.groups())
    assert "{eval}" not in text and "{glue" not in text and "run the cells above" not in text
    assert not network.foreign, f"JupyterLab requested other hosts: {network.foreign}"


def test_lab_edition_rewrites_glue_roles_for_the_kernel(tmp_path):
    (notebook,) = lab_edition.write([ROOT / CHAPTER], tmp_path)
    nb = json.loads(notebook.read_text())
    prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "{glue" not in prose and '{eval}`glued("intro-steps", "")`' in prose
    assert "{literalinclude}" not in prose and "def " in prose  # included code written in
    assert (
        "glued" in "".join(nb["cells"][0]["source"])
        and nb["cells"][0]["metadata"]["jupyter"]["source_hidden"]
    )


def test_chapter_opens_as_notebook_in_jupyterlab(browser, tmp_path):
    """What ``make lab`` sets up, opened in JupyterLab in Chromium: the chapter is a notebook."""
    lab_setup.write_overrides()  # what `make lab` does first
    # the test's own user settings: autosave off (the chapter file must not be touched), and
    # every cell rendered (JupyterLab otherwise renders only the cells in view)
    user = tmp_path / "user-settings" / "@jupyterlab"
    for plugin, settings in (
        ("docmanager-extension/plugin", {"autosave": False}),
        ("notebook-extension/tracker", {"windowingMode": "none"}),
    ):
        path = user / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    before = (ROOT / CHAPTER).read_text()
    n_code = sum(cell.cell_type == "code" for cell in jupytext.read(ROOT / CHAPTER).cells)
    proc, base, token = lab_setup.start_server("lab", env=env)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        tab, network = offline_page(context)
        tab.goto(f"{base}lab/tree/{CHAPTER}?token={token}")
        tab.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
        try:  # the cells appear one after the other
            tab.wait_for_function(
                f"() => document.querySelectorAll('.jp-Notebook .jp-CodeCell').length >= {n_code}",
                timeout=20_000,
            )
        except PlaywrightTimeout:
            pass
        cells = tab.locator(".jp-Notebook .jp-CodeCell").count()
        try:  # for the screenshot: the rendered Markdown of the chapter's title
            tab.wait_for_selector(".jp-MarkdownCell .jp-RenderedMarkdown h1", timeout=10_000)
        except PlaywrightTimeout:
            pass
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "jupyterlab-chapter.png"))
    finally:
        context.close()
        lab_setup.stop_server(proc)
    assert cells == n_code, f"JupyterLab shows {cells} code cells, the chapter has {n_code}"
    assert not network.foreign, f"JupyterLab requested other hosts: {network.foreign}"
    assert (ROOT / CHAPTER).read_text() == before
