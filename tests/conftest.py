"""Shared fixtures: the real guide from the repository's flows, loaded once."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


# ---- PostgreSQL: TEST_DATABASE_URL, else a throwaway server started here ---------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database the tests may wipe. With CI=true a missing server fails the run."""
    from tests.storage import pgserver

    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    if not pgserver.available():
        reason = "PostgreSQL is not installed (no initdb) and TEST_DATABASE_URL is not set"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: the PostgreSQL tests must run; {reason}")
        pytest.skip(reason)
    server = pgserver.start()
    try:
        yield server.url()
    finally:
        server.stop()


def _reset_schema(url: str) -> None:
    import asyncpg

    async def reset() -> None:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()

    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, reset()).result()


@pytest.fixture
def fresh_postgres(postgres_url: str) -> str:
    """The test database with an empty schema (no tables, no schema version)."""
    _reset_schema(postgres_url)
    return postgres_url


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
