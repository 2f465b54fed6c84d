"""Unit-test configuration: a summary line of the API contract layer (test_api_contract.py)."""

import sys


def pytest_terminal_summary(terminalreporter):
    contract = sys.modules.get("test_api_contract")
    stats = getattr(contract, "STATS", None)
    if stats and stats["variants"]:
        terminalreporter.write_line(
            f"API contract layer: {stats['variants']} bad-input variants ({stats['calls']} calls) "
            f"over {len(contract.COVERED)} public callables"
        )
