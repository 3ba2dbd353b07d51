"""Everything `reconsider-bot check` validates: the flow, every catalog, every tone lexicon."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.content.errors import Problem
from bot.content.flow_loader import FLOW_FILE, _load_all
from bot.content.tone_lexicon import validate_tone_lexicon

TONE_DIR = "tone"


def check_all(
    flows_dir: Path, interface: Mapping[str, frozenset[str]] | None = None
) -> tuple[list[Problem], str]:
    """All problems (empty when valid) and a one-line summary of what was checked; `interface`
    adds the texts a transport needs (as `flow_loader.load_guide` takes them)."""
    flows_dir = Path(flows_dir)
    if not (flows_dir / FLOW_FILE).is_file():
        return [
            Problem(
                str(flows_dir / FLOW_FILE), 0, f"no {FLOW_FILE} here; point at the folder that holds the flow"
            )
        ], ""
    loaded, problems = _load_all(flows_dir, interface)
    flow = loaded[0][0] if loaded else None
    lexicons = sorted((flows_dir / TONE_DIR).glob("*.yaml"))
    for lexicon in lexicons:
        problems += validate_tone_lexicon(lexicon)
    if flow is not None:
        for language in flow.languages:
            if not (flows_dir / TONE_DIR / f"{language}.yaml").is_file():
                problems.append(
                    Problem(
                        str(flows_dir / FLOW_FILE),
                        1,
                        f"no tone lexicon {TONE_DIR}/{language}.yaml for the declared language {language!r}",
                    )
                )
    if problems or flow is None:
        return problems, ""
    flows = "; ".join(
        f"flow {each.id!r} v{each.version}: {len(each.questions)} questions, "
        f"{len(each.rules)} rules, {len(each.approaches)} approaches, "
        f"{len(catalogs)} language(s) ({', '.join(catalogs)})"
        for each, catalogs in loaded
    )
    summary = f"OK: {flows}; {len(lexicons)} tone lexicon(s)"
    return problems, summary
