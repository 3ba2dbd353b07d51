"""Telegram's `parse_mode=HTML`, parsed as strictly as the Bot API does (a bit stricter on `&`).

`parse_html(source)` returns the plain text and its MessageEntity dicts (UTF-16 offsets), or
raises `EntityParseError` whose message follows Telegram's "can't parse entities: ..." text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*?)?)\s*/?>")
_ATTR_RE = re.compile(r"""([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")

#: tag -> entity type; span and code/pre/a/blockquote/tg-emoji get attributes checked below.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_ALLOWED_TAGS = frozenset(_SIMPLE_TAGS) | {"a", "span", "tg-emoji"}


class EntityParseError(ValueError):
    """The HTML is not what Telegram accepts; str(error) is the Bot API description."""


@dataclass
class _Open:
    tag: str
    entity: dict[str, object]
    start: int  # UTF-16 offset in the output
    byte_offset: int


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fail(why: str) -> EntityParseError:
    return EntityParseError(f"Bad Request: can't parse entities: {why}")


def _decode_entity(source: str, pos: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(source, pos)
    if match is None:
        raise _fail(f"Character '&' at byte offset {_byte_offset(source, pos)} must be escaped")
    dec, hexa, name = match.groups()
    if name is not None:
        if name not in _NAMED_ENTITIES:
            raise _fail(f"Unsupported HTML entity '&{name};' at byte offset {_byte_offset(source, pos)}")
        return _NAMED_ENTITIES[name], match.end()
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _fail(f"Invalid numeric entity at byte offset {_byte_offset(source, pos)}")
    return chr(code), match.end()


def _byte_offset(source: str, pos: int) -> int:
    return len(source[:pos].encode("utf-8"))


def _open_entity(tag: str, attrs: dict[str, str], offset: int) -> dict[str, object]:
    if tag == "a":
        href = attrs.get("href", "")
        if not href:
            raise _fail(f'Can\'t find href attribute of the tag "a" at byte offset {offset}')
        return {"type": "text_link", "url": href}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        return {"type": "spoiler"}
    if tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            raise _fail(f"Invalid custom emoji identifier specified at byte offset {offset}")
        return {"type": "custom_emoji", "custom_emoji_id": emoji_id}
    if tag == "blockquote" and "expandable" in attrs:
        return {"type": "expandable_blockquote"}
    if tag == "code" and attrs.get("class", "").startswith("language-"):
        return {"type": "code", "language": attrs["class"][len("language-") :]}
    return {"type": _SIMPLE_TAGS[tag]}


def parse_html(source: str) -> tuple[str, list[dict[str, object]]]:
    """Plain text and entities of a Telegram HTML message; raises EntityParseError."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    stack: list[_Open] = []
    entities: list[dict[str, object]] = []
    pos = 0
    size = len(source)
    while pos < size:
        nxt = min((i for i in (source.find("<", pos), source.find("&", pos)) if i >= 0), default=size)
        if nxt > pos:
            chunk = source[pos:nxt]
            out.append(chunk)
            out_len += utf16_len(chunk)
            pos = nxt
            continue
        if source[pos] == "&":
            char, pos = _decode_entity(source, pos)
            out.append(char)
            out_len += utf16_len(char)
            continue
        offset = _byte_offset(source, pos)
        match = _TAG_RE.match(source, pos)
        if match is None:
            name = re.match(r"</?([^\s<>/]*)", source[pos:])
            tag_name = name.group(1) if name else ""
            if source.find(">", pos) < 0:
                raise _fail(f"Unclosed start tag at byte offset {offset}")
            raise _fail(f'Unsupported start tag "{tag_name}" at byte offset {offset}')
        closing, tag, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
        pos = match.end()
        if closing:
            if not stack:
                raise _fail(f"Unexpected end tag at byte offset {offset}")
            top = stack.pop()
            if top.tag != tag:
                raise _fail(
                    f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", found "</{tag}>"'
                )
            length = out_len - top.start
            if top.tag == "code" and stack and stack[-1].tag == "pre":
                if "language" in top.entity:  # <pre><code class="language-x"> is one entity
                    stack[-1].entity["language"] = top.entity["language"]
                continue
            if length > 0:
                entities.append({**top.entity, "offset": top.start, "length": length})
            continue
        if tag not in _ALLOWED_TAGS:
            raise _fail(f'Unsupported start tag "{tag}" at byte offset {offset}')
        if stack and stack[-1].tag == "code":
            raise _fail(f'Tag "{tag}" can\'t be nested in "code" at byte offset {offset}')
        if stack and stack[-1].tag == "pre" and tag != "code":
            raise _fail(f'Tag "{tag}" can\'t be nested in "pre" at byte offset {offset}')
        attrs = {
            m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
            for m in _ATTR_RE.finditer(raw_attrs)
        }
        stack.append(_Open(tag, _open_entity(tag, attrs, offset), out_len, offset))
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
    return "".join(out), entities
