"""Finding the record list inside the API envelope without parsing the whole document.

The payload is one JSON document such as `{"external": {"ads": {"performance": [...]}}}` whose
list can hold millions of records. Parsing it as one object costs several times its size in
memory, so instead we parse only the envelope: the head of the file up to the `[` that opens the
list, and the tail after its closing `]`. The list itself is then read by DuckDB as a streamed
JSON array. The envelope (head + `[]` + tail) must be valid JSON with the list at its path.

Not a streaming parser (ijson): it would parse every record just to reach the tail, and hand
DuckDB records written anew rather than the bytes received, which reasons and quarantine quote.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

WHITESPACE = " \t\n\r"
TAIL_BYTES = 1 << 16
TOO_DEEP = "not the envelope: the body nests too deeply"
_decoder = json.JSONDecoder()


class PayloadError(Exception):
    """The body is not JSON, or not the envelope the contract describes."""


@dataclass(frozen=True)
class RecordList:
    """Where the records are: byte offsets of `[` and `]`, or None for an empty extract."""

    start: int | None
    end: int | None
    next_url: str | None


def locate_records(path: Path, list_path: tuple[str, ...]) -> Iterator[RecordList]:
    """Yield the possible positions of the record list, most likely first.

    Usually there is exactly one. Only when lists follow the record list in the envelope can a
    later `]` also close a valid-looking envelope; the caller tries the next position when DuckDB
    finds the records between the brackets are not a JSON array.
    """
    size = path.stat().st_size
    if size == 0:
        raise PayloadError("the body is empty")
    head_size = min(size, 1 << 20)
    while True:
        with open(path, "rb") as handle:
            head = handle.read(head_size).decode("latin-1")  # one char per byte: offsets hold
        try:
            start = _find_list_start(head, list_path)
            break
        except _NeedMore:
            if head_size >= size:
                raise PayloadError("the body is not valid JSON (it ends too early)") from None
            head_size = min(size, head_size * 4)
    if start is None:  # no list at that path: the document itself must be the whole envelope
        with open(path, "rb") as handle:
            envelope = _parse_envelope(handle.read().decode("latin-1"), list_path)
        yield RecordList(None, None, _next_url(envelope, list_path))
        return
    tail_offset = max(start + 1, size - TAIL_BYTES)
    with open(path, "rb") as handle:
        handle.seek(tail_offset)
        tail = handle.read().decode("latin-1")
    found = False
    for i in range(len(tail) - 1, -1, -1):
        if tail[i] != "]":
            continue
        try:
            envelope = _parse_envelope(head[:start] + "[]" + tail[i + 1 :], list_path)
        except PayloadError:
            continue
        found = True
        yield RecordList(start, tail_offset + i, _next_url(envelope, list_path))
    if not found:
        raise PayloadError("the body is not valid JSON or not the envelope (the list never closes)")


def copy_list(path: Path, records: RecordList, target: Path) -> None:
    """Write the bytes of the record list (a JSON array) to `target`."""
    assert records.start is not None and records.end is not None
    length = records.end - records.start + 1
    with open(path, "rb") as src, open(target, "wb") as dst:
        offset = records.start
        while length > 0:
            copied = os.copy_file_range(src.fileno(), dst.fileno(), length, offset)
            if copied == 0:
                break
            offset += copied
            length -= copied


class _NeedMore(Exception):
    pass


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in WHITESPACE:
        pos += 1
    if pos >= len(text):
        raise _NeedMore
    return pos


def _find_list_start(text: str, list_path: tuple[str, ...]) -> int | None:
    """Offset of the `[` of the list at `list_path`, None when the key is absent or null."""
    pos = _skip_ws(text, 0)
    for depth, wanted in enumerate(list_path):
        where = ".".join(list_path[:depth]) or "the body"
        if depth > 0 and text.startswith("null", pos):
            return None
        if text[pos] != "{":
            if depth == 0 and text[pos] not in '["':
                raise PayloadError("the body is not JSON")
            raise PayloadError(f"not the envelope: {where} is not an object")
        pos = _skip_ws(text, pos + 1)
        while True:
            if text[pos] == "}":
                return None  # key absent: a valid, empty extract
            if text[pos] != '"':
                raise PayloadError("the body is not valid JSON")
            try:
                key, pos = json.decoder.scanstring(text, pos + 1)
            except json.JSONDecodeError:
                raise _NeedMore from None
            pos = _skip_ws(text, pos)
            if text[pos] != ":":
                raise PayloadError("the body is not valid JSON")
            pos = _skip_ws(text, pos + 1)
            if key == wanted:
                break
            try:
                _, pos = _decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                if exc.pos >= len(text) - 1:
                    raise _NeedMore from None
                raise PayloadError("the body is not valid JSON") from None
            except RecursionError:  # hostile nesting before the list: refuse, do not crash
                raise PayloadError(TOO_DEEP) from None
            pos = _skip_ws(text, pos)
            if text[pos] == ",":
                pos = _skip_ws(text, pos + 1)
            elif text[pos] != "}":
                raise PayloadError("the body is not valid JSON")
    if text[pos] == "[":
        return pos
    if text.startswith("null", pos):
        return None
    raise PayloadError(f"not the envelope: {'.'.join(list_path)} is not a list")


def _parse_envelope(text: str, list_path: tuple[str, ...]) -> dict:
    try:
        document = json.loads(text)
    except ValueError:
        raise PayloadError("the body is not valid JSON") from None
    except RecursionError:
        raise PayloadError(TOO_DEEP) from None
    node = document
    for depth, key in enumerate(list_path):
        if not isinstance(node, dict):
            where = ".".join(list_path[:depth]) or "the body"
            raise PayloadError(f"not the envelope: {where} is not an object")
        node = node.get(key)
        if node is None:
            return document
    if not isinstance(node, list):
        raise PayloadError(f"not the envelope: {'.'.join(list_path)} is not a list")
    return document


def _next_url(envelope: dict, list_path: tuple[str, ...]) -> str | None:
    """A `next` link beside the list or at the top level, if the API ever pages."""
    parent = envelope
    for key in list_path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    for holder in (parent, envelope):
        if isinstance(holder, dict) and isinstance(holder.get("next"), str) and holder["next"]:
            return holder["next"]
    return None
