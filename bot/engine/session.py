"""One person's place in the guide: what they answered, what they told us, where they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SESSION_FORMAT = 1


@dataclass
class Session:
    flow: str
    flow_version: int
    language: str
    state: str
    run: int = 1
    """Bumped by every restart, so buttons from an earlier run are recognised as stale."""
    step: int = 0
    """Bumped by every accepted move, so buttons from an earlier question are stale."""
    answers: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    """Details already asked (given or skipped): never asked twice in one run."""
    history: list[str] = field(default_factory=list)
    """States visited before the current one, for Back."""
    revising: bool = False
    """True while the user changes one answer from the result."""
    updated: bool = False
    """True from resuming a session of an older flow version until the next move: the
    person is told once that the guide was updated."""

    def copy(self) -> Session:
        return Session(
            flow=self.flow,
            flow_version=self.flow_version,
            language=self.language,
            state=self.state,
            run=self.run,
            step=self.step,
            answers=dict(self.answers),
            details=dict(self.details),
            asked=list(self.asked),
            history=list(self.history),
            revising=self.revising,
            updated=self.updated,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SESSION_FORMAT,
            "flow": self.flow,
            "flow_version": self.flow_version,
            "language": self.language,
            "state": self.state,
            "run": self.run,
            "step": self.step,
            "answers": self.answers,
            "details": self.details,
            "asked": self.asked,
            "history": self.history,
            "revising": self.revising,
            "updated": self.updated,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(
            flow=str(data["flow"]),
            flow_version=int(data["flow_version"]),
            language=str(data["language"]),
            state=str(data["state"]),
            run=int(data.get("run", 1)),
            step=int(data.get("step", 0)),
            answers={str(k): str(v) for k, v in data.get("answers", {}).items()},
            details={str(k): str(v) for k, v in data.get("details", {}).items()},
            asked=[str(x) for x in data.get("asked", [])],
            history=[str(x) for x in data.get("history", [])],
            revising=bool(data.get("revising", False)),
            updated=bool(data.get("updated", False)),
        )
