"""``make lab``: in JupyterLab, a chapter's .md file opens as a notebook (jupytext)."""

from __future__ import annotations

import json
import os
import sys

import jupytext
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from site_helpers import ROOT, SCREENSHOTS, offline_page

sys.path.insert(0, str(ROOT / "tools"))
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
