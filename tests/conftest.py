"""Shared fixtures: the real guide from the repository's flows, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.flow_loader import load_guide, load_guides
from bot.engine import Guide
from bot.libraries import quiet_libraries

REPO = Path(__file__).resolve().parent.parent
FLOWS = REPO / "flows"


def pytest_configure(config: pytest.Config) -> None:
    quiet_libraries()  # as the CLI and the bot process do when they configure logging


@pytest.fixture(scope="session")
def guide() -> Guide:
    return load_guide(FLOWS)


@pytest.fixture(scope="session")
def guides() -> dict[str, Guide]:
    """Every flow's guide by id: `reconsider` first, then `after_reply`."""
    return load_guides(FLOWS)


@pytest.fixture(scope="session")
def after_reply(guides: dict[str, Guide]) -> Guide:
    return guides["after_reply"]


# ---- what the tests measured (record_property), repeated at the end of the run ------------

_measured: list[tuple[str, str, object]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        _measured.extend((report.nodeid, name, value) for name, value in report.user_properties)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """E.g. the tone check's precision and recall, visible without -s and after any -x stop."""
    if _measured:
        terminalreporter.section("measured")
        for nodeid, name, value in _measured:
            terminalreporter.write_line(f"{name} = {value}  ({nodeid})")
