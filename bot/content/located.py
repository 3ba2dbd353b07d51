"""YAML read safely into values that remember their file and line, for precise errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.errors import ContentError, Problem

_STANDARD_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:float",
}


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (most wheels do): the same safe composition with the
same line marks, about five times faster, which is most of the bot's start-up."""


@dataclass(frozen=True)
class Located:
    """A YAML value and where it was written. Mappings hold dict[str, Located],
    sequences list[Located], scalars plain Python values."""

    value: Any
    file: str
    line: int

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, message)


def read_yaml(path: Path, display: str | None = None) -> Located:
    """Parse one YAML file safely; syntax errors, duplicate keys and tags raise ContentError."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ContentError([Problem(name, 0, f"cannot read the file: {error.strerror}")]) from None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(str(x) for x in (error.context, error.problem) if x)
        message = f"YAML syntax error: {what}; check indentation, quotes and colons"
        raise ContentError([Problem(name, line, message)]) from None
    except yaml.YAMLError as error:
        raise ContentError([Problem(name, 0, f"YAML error: {error}")]) from None
    if node is None:
        raise ContentError([Problem(name, 1, "the file is empty")])
    problems: list[Problem] = []
    located = _convert(node, name, problems)
    if problems:
        raise ContentError(problems)
    return located


def _convert(node: yaml.Node, name: str, problems: list[Problem]) -> Located:
    line = node.start_mark.line + 1
    if node.tag not in _STANDARD_TAGS:
        problems.append(Problem(name, line, f"tag {node.tag!r} is not allowed: content is plain data"))
        return Located(None, name, line)
    if isinstance(node, yaml.MappingNode):
        mapping: dict[str, Located] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, name, problems)
            if not isinstance(key.value, str):
                problems.append(key.problem(f"key {key.value!r} must be text; quote it"))
                continue
            if key.value in mapping:
                problems.append(
                    key.problem(
                        f"duplicate key {key.value!r} (first on line {mapping[key.value].line}); remove one"
                    )
                )
                continue
            mapping[key.value] = _convert(value_node, name, problems)
        return Located(mapping, name, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_convert(item, name, problems) for item in node.value], name, line)
    value = yaml.SafeLoader("").construct_object(node, deep=True)
    return Located(value, name, line)
