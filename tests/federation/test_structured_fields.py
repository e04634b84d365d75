"""RFC 8941 structured-field dictionaries, as Signature-Input and Content-Digest use them."""

from __future__ import annotations

import pytest

from federation.structured_fields import (
    InnerList,
    Item,
    Token,
    parse_dictionary,
    serialize_dictionary,
    serialize_inner_list,
)


def test_inner_list_with_parameters_is_parsed() -> None:
    parsed = parse_dictionary(
        'sig1=("@method" "@path");created=1618884473;keyid="test-key";alg=ed25519'
    )
    assert parsed == {
        "sig1": InnerList(
            [Item("@method"), Item("@path")],
            {"created": 1618884473, "keyid": "test-key", "alg": Token("ed25519")},
        )
    }


def test_inner_list_is_serialised_canonically() -> None:
    parsed = parse_dictionary('a=(  "x"   "y"  );n=1;s="q\\"t"')["a"]
    assert isinstance(parsed, InnerList)
    assert serialize_inner_list(parsed) == '("x" "y");n=1;s="q\\"t"'


def test_byte_sequences_booleans_and_decimals_round_trip() -> None:
    text = "a=:aGk=:, b, c=?0, d=1.5, e=-3;p"
    parsed = parse_dictionary(text)
    assert parsed["a"] == Item(b"hi")
    assert parsed["b"] == Item(True)
    assert parsed["c"] == Item(False)
    assert parsed["d"] == Item(1.5)
    assert parsed["e"] == Item(-3, {"p": True})
    assert serialize_dictionary(parsed) == text


def test_repeated_key_keeps_its_place_and_takes_the_last_value() -> None:
    assert list(parse_dictionary("a=1, b=2, a=3").items()) == [("a", Item(3)), ("b", Item(2))]


@pytest.mark.parametrize(
    "garbage",
    ["A=1", "a=", "a=1,", "a=(1", 'a="unterminated', "a=:not base64!:", "a=1 b=2", "a=?2"],
)
def test_invalid_dictionaries_are_refused(garbage: str) -> None:
    with pytest.raises(ValueError):
        parse_dictionary(garbage)
