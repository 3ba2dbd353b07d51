"""`reconsider-bot tone FILE`: the tone check for a draft, in the terminal.

Exit status: 0 when nothing is flagged, 1 when something is, 2 when the file or the
lexicon cannot be used. The draft is never changed.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.content.errors import ContentError
from bot.content.tone_lexicon import load_tone_lexicon
from bot.engine.tone import Finding, check_tone, sentence_scores
from bot.settings import configured_flows_dir

CLEAN, FLAGGED, UNUSABLE = 0, 1, 2
_WIDTH = 88


def add_tone_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register `tone` on the main CLI's subparsers; the handler is `run_tone`."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "tone",
        help="check the tone of a draft you wrote",
        description="Flag passages in a draft that can backfire, with why and a gentler line. "
        "Exits 0 when nothing is flagged, 1 when something is.",
    )
    parser.add_argument("file", metavar="FILE", help="the draft, as a text file; - reads stdin")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text for people (default), json for tools"
    )
    parser.add_argument("--lang", default="en", help="language of the draft (default: en)")
    parser.add_argument(
        "--flows-dir", type=Path, default=None, help="the content directory holding tone/<lang>.yaml"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print each sentence's cue score and cues (text format only)",
    )
    parser.set_defaults(handler=run_tone)
    return parser


def run_tone(args: argparse.Namespace) -> int:
    """Check the draft named by `args` and print the findings; returns the exit status."""
    flows_dir = Path(args.flows_dir) if args.flows_dir else configured_flows_dir()
    lexicon_path = flows_dir / "tone" / f"{args.lang}.yaml"
    if not lexicon_path.is_file():
        return _fail(f"no tone lexicon for language {args.lang!r} (looked for {lexicon_path})")
    try:
        lexicon = load_tone_lexicon(lexicon_path)
    except ContentError as error:
        return _fail(
            "the tone lexicon has problems; run `reconsider-bot check`:\n"
            + "\n".join(f"  {problem}" for problem in error.problems)
        )
    try:
        draft = _read_draft(args.file)
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return _fail(f"cannot read {args.file}: {reason}")
    findings = check_tone(draft, lexicon)
    if args.format == "json":
        print(json.dumps([_as_json(finding) for finding in findings], ensure_ascii=False, indent=2))
    else:
        print(render_text(findings))
        if args.explain:
            threshold = lexicon.cues.threshold if lexicon.cues else 0
            print(render_scores(sentence_scores(draft, lexicon), threshold))
    return FLAGGED if findings else CLEAN


def render_scores(scores: Sequence[tuple[str, float, list[str]]], threshold: float) -> str:
    """Each sentence with a cue: its score against the threshold, the cues, the sentence."""
    lines = [f"Cue scores per sentence (flagged from {threshold:g}):"]
    for sentence, score, cues in scores:
        lines.append(f"  {score:+.1f} [{', '.join(cues)}] {_one_line(sentence)}")
    return "\n".join(lines) if scores else "No cues in any sentence."


def render_text(findings: Sequence[Finding]) -> str:
    """The findings as a terminal reads best: passage, why, and the line to try instead (or,
    for suspected discrimination, where to get advice)."""
    if not findings:
        return "Nothing to flag: the tone reads calm and professional."
    blocks = []
    for number, finding in enumerate(findings, start=1):
        head = f'{number}. {finding.category}: "{_one_line(finding.passage)}"'
        instead = f"Instead: {finding.advice}" if finding.advice else f"Try instead: {finding.alternative}"
        blocks.append("\n".join([head, _wrap(finding.why), _wrap(instead)]))
    count = len(findings)
    summary = (
        f"{count} thing{'s' if count != 1 else ''} to look at. "
        "Nothing was changed; the draft is yours to edit."
    )
    return "\n\n".join([*blocks, summary])


def _as_json(finding: Finding) -> dict[str, str]:
    return {
        "passage": finding.passage,
        "category": finding.category,
        "why": finding.why,
        "alternative": finding.alternative,
        "advice": finding.advice,
    }


def _read_draft(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _wrap(text: str) -> str:
    return textwrap.fill(_one_line(text), width=_WIDTH, initial_indent="   ", subsequent_indent="   ")


def _fail(message: str) -> int:
    print(f"reconsider-bot tone: {message}", file=sys.stderr)
    return UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Stand-alone entry point until the main CLI registers `tone` itself."""
    parser = argparse.ArgumentParser(prog="reconsider-bot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_tone_command(subparsers)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
