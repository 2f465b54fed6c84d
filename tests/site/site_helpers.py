"""Helpers of the browser tests: paths, page lists, Chromium, offline tabs, the page probe.

Debian's Chromium (``/usr/bin/chromium``) is driven through Playwright; nothing here
downloads a browser. Every request a tab makes to a host other than 127.0.0.1 is refused
and recorded, as on a train without network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "_build"
HTML = BUILD / "html"
SCREENSHOTS = BUILD / "screenshots"
sys.path.insert(0, str(ROOT / "tools"))

from book_pages import notebook_pages, toc_pages  # noqa: E402

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
# every page of the table of contents, plus the pages Sphinx adds
SITE_PAGES = [*toc_pages(), "search", "genindex"]
NOTEBOOK_PAGES = notebook_pages()


def find_chromium() -> str:
    """Path of Debian's Chromium; installed with apt-get when missing and we are root."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        proc = subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, text=True
        )
        if proc.returncode == 0 and Path("/usr/bin/chromium").exists():
            return "/usr/bin/chromium"
        pytest.fail(f"installing Debian's chromium with apt-get failed:\n{proc.stderr[-2000:]}")
    pytest.fail(
        "The browser tests need Debian's Chromium at /usr/bin/chromium (or set CHROMIUM=/path). "
        "Install it as root with `apt-get install chromium`; this test run is not root or has no "
        "apt-get, so it cannot install it. Playwright's own browser downloads are not used."
    )


@dataclass
class Network:
    """Requests of one page: what went to another host (refused) and what failed."""

    foreign: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def offline_page(context):
    """A new tab that refuses (and records) every request to a host other than 127.0.0.1."""
    tab = context.new_page()
    network = Network()

    def route(route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            network.foreign.append(url)
            route.abort()

    tab.route("**/*", route)
    tab.on("requestfailed", lambda req: network.failed.append(f"{req.url} ({req.failure})"))
    tab.on(
        "response",
        lambda resp: resp.status >= 400 and network.failed.append(f"{resp.url} (HTTP {resp.status})"),
    )
    return tab, network


def new_context(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900})


# Collected in the page after MathJax has finished: math, images, error output, links, ids.
PAGE_PROBE = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const images = Array.from(document.images);
  await Promise.all(images.map((img) => {
    img.loading = "eager";
    if (img.complete) return null;
    return new Promise((resolve) => {
      img.addEventListener("load", resolve, {once: true});
      img.addEventListener("error", resolve, {once: true});
      setTimeout(resolve, 5000);
    });
  }));
  const main = document.querySelector("main") || document.body;
  return {
    mathSource: document.querySelectorAll(".math, .mathjax_process").length,
    mathRendered: document.querySelectorAll("mjx-container").length,
    mathUnrendered: Array.from(document.querySelectorAll("span.math, div.math"))
      .filter((el) => !el.querySelector("mjx-container"))
      .map((el) => el.textContent.slice(0, 80)),
    mathErrors: Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error]"))
      .map((el) => el.getAttribute("data-mjx-error") || el.textContent.slice(0, 80)),
    brokenImages: images.filter((img) => !(img.complete && img.naturalWidth > 0))
      .map((img) => img.getAttribute("src")),
    nImages: images.length,
    errorBlocks: Array.from(main.querySelectorAll(
      ".output.stderr, .output.traceback, .output.error, .stderr, .traceback"))
      .map((el) => el.textContent.slice(0, 200)),
    clippedTables: Array.from(main.querySelectorAll("table")).filter((table) => {
      const article = table.closest("article") || main;
      if (table.getBoundingClientRect().right <= article.getBoundingClientRect().right + 1) return false;
      for (let el = table.parentElement; el && el !== article; el = el.parentElement) {
        const overflow = getComputedStyle(el).overflowX;
        if (overflow === "auto" || overflow === "scroll") return false;  // scrolls sideways
      }
      return true;
    }).map((table) => `${table.className || "table"}: ${table.textContent.trim().slice(0, 60)}`),
    text: main.innerText,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
    ids: Array.from(document.querySelectorAll("[id], a[name]")).map((el) => el.id || el.getAttribute("name")),
  };
}
"""


@dataclass
class PageVisit:
    page: str
    url: str
    console_errors: list[str]
    network: Network
    data: dict
