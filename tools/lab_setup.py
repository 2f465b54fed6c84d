"""Set up JupyterLab so that the book's MyST pages open as notebooks (``make lab``).

The chapters are MyST Markdown files (``chapters/*.md``) with a jupytext header. jupytext's
server extension (installed with the ``jupytext`` package) lets Jupyter read and save
them as notebooks; this script makes "Jupytext Notebook" the default viewer for Markdown
and MyST files, by writing JupyterLab's settings overrides into the environment:

    <sys.prefix>/share/jupyter/lab/settings/overrides.json
        {"@jupyterlab/docmanager-extension:plugin":
            {"defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}}}

Other settings already in that file are kept. ``--check`` then starts a Jupyter server
for a moment and asks it for a chapter as a notebook, which only works when jupytext's
contents manager is active.

    .venv/bin/python tools/lab_setup.py [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCMANAGER = "@jupyterlab/docmanager-extension:plugin"
VIEWERS = {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"}


def settings_dir() -> Path:
    """JupyterLab's application settings directory of this environment."""
    from jupyterlab.commands import get_app_dir

    return Path(get_app_dir()) / "settings"


def write_overrides(directory: Path | None = None) -> Path:
    """Write (merge) the default-viewer override; return the path of ``overrides.json``."""
    path = (directory or settings_dir()) / "overrides.json"
    settings = json.loads(path.read_text()) if path.exists() else {}
    plugin = settings.setdefault(DOCMANAGER, {})
    plugin.setdefault("defaultViewers", {}).update(VIEWERS)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app: str = "lab", env: dict | None = None):
    """Start ``jupyter <app>`` on 127.0.0.1 at the book's root; return (process, base URL, token)."""
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [
        str(Path(sys.executable).parent / "jupyter"),
        app,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter {app} exited: {proc.stderr.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=2):
                return proc, base, token
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"jupyter {app} did not answer within 60 s")


def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def open_as_notebook(base: str, token: str, page: str = "chapters/introduction.md") -> dict:
    """Ask the server for ``page`` as a notebook; return the notebook (raises if it cannot)."""
    url = f"{base}api/contents/{page}?type=notebook&content=1&token={token}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        model = json.loads(resp.read())
    if model.get("type") != "notebook":
        raise RuntimeError(f"{page} was not opened as a notebook: type {model.get('type')!r}")
    return model["content"]


def check(page: str = "chapters/introduction.md") -> int:
    """Start a server and open ``page`` as a notebook through jupytext; return its number of code cells."""
    proc, base, token = start_server("server")
    try:
        nb = open_as_notebook(base, token, page)
    finally:
        stop_server(proc)
    return sum(cell["cell_type"] == "code" for cell in nb["cells"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify that a chapter opens as a notebook")
    args = parser.parse_args()
    path = write_overrides()
    print(f"JupyterLab opens .md files as notebooks (jupytext): {path}")
    if args.check:
        n = check()
        print(f"check: chapters/introduction.md opens as a notebook with {n} code cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
