"""The API's JSON parser: DRF's, with a bound on nesting.

Python's ``json`` recurses once per level of nesting: a body of 10,000 nested arrays raises
``RecursionError``, which DRF does not catch (a 500), and a few hundred levels get past the
decoder to code that recurses again. No payload of ours nests deeper than a few levels, so
anything beyond ``MAX_DEPTH`` is refused as a parse error (400) before the decoder sees it.
"""

from __future__ import annotations

import io
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"JSON 嵌套层数过多（最多 {MAX_DEPTH} 层）"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in ``data`` (brackets inside strings do not
    count). No recursion, so no input can exhaust the stack; linear in the size."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return data.count(b"[") + data.count(b"{")  # an upper bound, already small enough
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser that refuses over-deep nesting with a 400 instead of a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = stream.read() if stream is not None else b""
        if json_depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        try:
            return super().parse(io.BytesIO(data), media_type, parser_context)
        except RecursionError as exc:  # unreachable after the bound above; kept as a guard
            raise ParseError(TOO_DEEP) from exc
