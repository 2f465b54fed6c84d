"""The GPU suite (``make gpu-tests``): the marker, and a table of the CPU/GPU comparison at the end."""

import sys


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "gpu: runs the torch chapters' short configurations on CUDA and on the CPU and compares "
        "them (skipped without a CUDA device)",
    )


def pytest_terminal_summary(terminalreporter):
    module = sys.modules.get("test_gpu")
    rows = getattr(module, "ROWS", None)
    if not rows:
        return
    terminalreporter.section("CPU / GPU comparison (short configurations)")
    for line in module.format_rows(rows):
        terminalreporter.write_line(line)
