"""docs/screenshot/make.py keeps working: the conversation it records is real and renders to HTML
(the capture itself needs Chromium and is not part of the tests)."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from tests.conftest import REPO


def test_the_recorded_conversation_renders(tmp_path: Path) -> None:
    script = REPO / "docs" / "screenshot" / "make.py"
    spec = importlib.util.spec_from_file_location("make_screenshots", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    page = asyncio.run(module.record_conversation(tmp_path))
    assert page.count('class="msg me"') >= 5  # /start and the typed details
    assert "Acme" in page and "Data Analyst" in page and "Dana," in page  # the details reach the draft
    assert (REPO / "docs" / "images" / "conversation.png").stat().st_size < 400_000
    assert (REPO / "docs" / "images" / "flow.png").stat().st_size < 200_000
