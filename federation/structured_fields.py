"""RFC 8941 Structured Field Values: the subset HTTP Message Signatures and Content-Digest use.

Parses and serialises dictionaries whose members are items or inner lists, with parameters.
Bare items: integer, decimal, string, token, byte sequence, boolean (RFC 9651 dates and
display strings are not needed by any header we read and are refused as invalid).

The parser is strict, as RFC 8941 section 4.2 asks: any syntax error raises ``ValueError``
and the caller treats the whole field as invalid. Serialisation is canonical, which is what
RFC 9421 needs to rebuild the ``@signature-params`` line.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field


class Token(str):
    """A structured-field token (unquoted), kept distinct from a string (quoted)."""


BareItem = int | float | str | Token | bytes | bool
Params = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: list[Item]
    params: Params = field(default_factory=dict)


Member = Item | InnerList

_KEY_START = frozenset("abcdefghijklmnopqrstuvwxyz*")
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-.*")
_TOKEN_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ*")
_TOKEN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:/"
)
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_DIGITS = frozenset("0123456789")


class _Parser:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.pos += 1

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _KEY_START or not self.peek():
            raise ValueError(f"invalid key at {start}")
        self.pos += 1
        while self.peek() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_sp()
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[name] = value
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or (char and char in _DIGITS):
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char and char in _TOKEN_START:
            return self.token()
        raise ValueError(f"invalid bare item at {self.pos}")

    def number(self) -> int | float:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek() and self.peek() in _DIGITS:
            self.pos += 1
        integer_digits = self.pos - digits_start
        if integer_digits == 0:
            raise ValueError(f"invalid number at {start}")
        if self.peek() != ".":
            if integer_digits > 15:
                raise ValueError("integer too long")
            return int(self.text[start : self.pos])
        if integer_digits > 12:
            raise ValueError("decimal too long")
        self.pos += 1
        frac_start = self.pos
        while self.peek() and self.peek() in _DIGITS:
            self.pos += 1
        if not 1 <= self.pos - frac_start <= 3:
            raise ValueError("invalid decimal fraction")
        return float(self.text[start : self.pos])

    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise ValueError("unterminated string")
            self.pos += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\") or not escaped:
                    raise ValueError("invalid escape in string")
                out.append(escaped)
                self.pos += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise ValueError("invalid character in string")
            else:
                out.append(char)

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while self.peek() and self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.pos += 1
        end = self.text.find(":", self.pos)
        if end < 0:
            raise ValueError("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64_CHARS:
            raise ValueError("invalid base64 in byte sequence")
        self.pos = end + 1
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as exc:
            raise ValueError("invalid base64 in byte sequence") from exc

    def boolean(self) -> bool:
        self.pos += 1
        char = self.peek()
        if char not in ("0", "1") or not char:
            raise ValueError("invalid boolean")
        self.pos += 1
        return char == "1"

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.params())

    def inner_list(self) -> InnerList:
        self.pos += 1
        items: list[Item] = []
        while True:
            self.skip_sp()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(items, self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")") or not self.peek():
                raise ValueError("invalid inner list")

    def member(self) -> Member:
        return self.inner_list() if self.peek() == "(" else self.item()


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse a Dictionary field value; raises ``ValueError`` on any syntax error.

    A repeated key keeps its first position and takes the last value (RFC 8941 4.2.2).
    """
    parser = _Parser(text.strip(" \t"))
    result: dict[str, Member] = {}
    if not parser.text:
        return result
    while True:
        name = parser.key()
        if parser.peek() == "=":
            parser.pos += 1
            result[name] = parser.member()
        else:
            result[name] = Item(True, parser.params())
        parser.skip_ows()
        if not parser.peek():
            return result
        if parser.peek() != ",":
            raise ValueError(f"expected ',' at {parser.pos}")
        parser.pos += 1
        parser.skip_ows()
        if not parser.peek():
            raise ValueError("trailing comma")


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{round(value, 3):.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise TypeError(f"not a structured-field bare item: {value!r}")


def serialize_params(params: Params) -> str:
    out = []
    for name, value in params.items():
        out.append(";" + name if value is True else f";{name}={serialize_bare_item(value)}")
    return "".join(out)


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return (
        "("
        + " ".join(serialize_item(i) for i in inner.items)
        + ")"
        + serialize_params(inner.params)
    )


def serialize_member(member: Member) -> str:
    return serialize_inner_list(member) if isinstance(member, InnerList) else serialize_item(member)


def serialize_dictionary(members: dict[str, Member]) -> str:
    out = []
    for name, member in members.items():
        if isinstance(member, Item) and member.value is True:
            out.append(name + serialize_params(member.params))
        else:
            out.append(f"{name}={serialize_member(member)}")
    return ", ".join(out)
