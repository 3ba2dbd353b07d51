"""The method table of the fake Bot API: which methods exist and what parameters they take.

Built once per spec path. With the official spec (`api.json`, see `/work/shared/botapi/`) it
knows required-ness and types; without it, it falls back to `telegram.Bot` signatures.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import telegram

#: Parameters of `telegram.Bot` coroutines that PTB consumes itself and never puts on the wire.
PTB_ONLY_PARAMS = frozenset(
    {
        "self",
        "read_timeout",
        "write_timeout",
        "connect_timeout",
        "pool_timeout",
        "api_kwargs",
        "rate_limit_args",
        # folded by PTB into reply_parameters / link_preview_options / other fields:
        "reply_to_message_id",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "filename",
        "location",
        "contact",
        "venue",
        "current_offset",
        "correct_option_id",
    }
)
#: sendMediaGroup's caption/parse_mode/caption_entities are copied by PTB into the first medium.
_PTB_ONLY_PER_METHOD = {"sendMediaGroup": frozenset({"caption", "parse_mode", "caption_entities"})}

_REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPEC_PATH = _REPO_ROOT.parent / "shared" / "botapi" / "api.json"


def default_spec_path() -> Path:
    """`$BOTAPI_SPEC` if set, else `<repo>/../shared/botapi/api.json`."""
    env = os.environ.get("BOTAPI_SPEC")
    return Path(env) if env else DEFAULT_SPEC_PATH


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    required: bool
    types: tuple[str, ...] = ()  # spec type names, e.g. ("Integer", "String"); () = unchecked
    is_string: bool = False  # a form value is taken verbatim, not JSON-decoded


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    params: dict[str, Param]
    returns: str  # "Boolean", "Message", ... ("" when unknown)


@dataclass(frozen=True, slots=True)
class Spec:
    """Methods by camelCase name, and object types by name (empty without the official spec)."""

    methods: dict[str, Method]
    types: dict[str, dict[str, Any]]
    source: str  # "api.json" or "ptb"

    def check_value(self, types: tuple[str, ...], value: Any, where: str) -> str | None:
        """Return an error text if a decoded `value` matches none of the spec `types`."""
        if not types:
            return None
        errors = [_check(self, t, value, where, 0) for t in types]
        if any(e is None for e in errors):
            return None
        return errors[0]


def _check(spec: Spec, type_name: str, value: Any, where: str, depth: int) -> str | None:
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return f"{where} must be an array"
        inner = type_name[len("Array of ") :]
        for i, item in enumerate(value):
            err = _check(spec, inner, item, f"{where}[{i}]", depth + 1)
            if err:
                return err
        return None
    scalar = _SCALARS.get(type_name)
    if scalar is not None:
        return None if scalar(value) else f"{where} must be {type_name}"
    if type_name == "InputFile":  # a multipart part (an Upload record) or a file_id / URL
        return None if not isinstance(value, dict | list) else f"{where} must be InputFile"
    return _check_object(spec, type_name, value, where, depth)


def _check_object(spec: Spec, type_name: str, value: Any, where: str, depth: int) -> str | None:
    if not isinstance(value, dict):
        return f"{where} must be a JSON object ({type_name})"
    tdef = spec.types.get(type_name)
    if tdef is None or depth > 6:
        return None
    if "subtypes" in tdef:
        errors = [_check_object(spec, sub, value, where, depth + 1) for sub in tdef["subtypes"]]
        if any(e is None for e in errors):
            return None
        return f"{where} matches no {type_name} subtype ({errors[0]})"
    fields = {f["name"]: f for f in tdef.get("fields", ())}
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            return f"{where} has unknown field {key!r} for {type_name}"
        errors = [_check(spec, t, item, f"{where}.{key}", depth + 1) for t in field["types"]]
        if all(errors):
            return errors[0]
    for name, field in fields.items():
        if field["required"] and name not in value:
            return f"{where} lacks required field {name!r} of {type_name}"
    return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_SCALARS = {
    "Integer": _is_int,
    "Float": lambda v: _is_int(v) or isinstance(v, float),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


@functools.lru_cache(maxsize=4)
def load_spec(path: Path | None) -> Spec:
    """The spec from `path` (an api.json) if it exists, else from PTB signatures."""
    if path is not None and path.is_file():
        return _from_api_json(json.loads(path.read_text(encoding="utf-8")))
    return _from_ptb()


def _from_api_json(data: dict[str, Any]) -> Spec:
    methods = {}
    for name, mdef in data["methods"].items():
        params = {
            f["name"]: Param(f["name"], bool(f["required"]), tuple(f["types"]), f["types"] == ["String"])
            for f in mdef.get("fields", ())
        }
        returns = mdef.get("returns", [""])[0]
        methods[name] = Method(name, params, returns)
    return Spec(methods, data.get("types", {}), "api.json")


_RETURN_NAMES = {"bool": "Boolean", "Message": "Message", "User": "User"}


def _from_ptb() -> Spec:
    methods = {}
    for attr in dir(telegram.Bot):
        if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)+", attr):
            continue
        func = getattr(telegram.Bot, attr)
        if not inspect.iscoroutinefunction(func):
            continue
        sig = inspect.signature(func)
        skip = PTB_ONLY_PARAMS | _PTB_ONLY_PER_METHOD.get(attr, frozenset())
        params = {
            p.name: Param(p.name, p.default is inspect.Parameter.empty, (), _is_str_annotation(p.annotation))
            for p in sig.parameters.values()
            if p.name not in skip
        }
        ret = sig.return_annotation
        ret_name = getattr(ret, "__name__", str(ret))
        methods[attr] = Method(attr, params, _RETURN_NAMES.get(ret_name, ""))
    methods["close"] = Method("close", {}, "Boolean")
    return Spec(methods, {}, "ptb")


_ANNOTATION_NOISE = {"typing.Union", "telegram._utils.defaultvalue.DefaultValue", "NoneType"}


def _is_str_annotation(annotation: Any) -> bool:
    words = set(re.findall(r"[A-Za-z_][\w.]*", str(annotation))) - _ANNOTATION_NOISE
    return words - {"None", "class"} == {"str"}
