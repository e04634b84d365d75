"""AS2 helpers for reading compacted JSON."""

from __future__ import annotations

from federation.vocab import PUBLIC, as_list, id_of, is_public, number_text


def test_as_list_wraps_single_values_and_drops_none() -> None:
    assert as_list(None) == []
    assert as_list("a") == ["a"]
    assert as_list(["a", "b"]) == ["a", "b"]


def test_id_of_reads_strings_and_embedded_objects() -> None:
    assert id_of("https://a/1") == "https://a/1"
    assert id_of({"id": "https://a/1", "type": "Note"}) == "https://a/1"
    assert id_of({"type": "Note"}) is None
    assert id_of(3) is None


def test_public_is_recognised_under_every_alias() -> None:
    assert is_public(PUBLIC)
    assert is_public(["https://a/followers", "as:Public"])
    assert is_public("Public")
    assert is_public([{"id": PUBLIC}])
    assert not is_public(["https://a/followers"])
    assert not is_public(None)


def test_a_quantity_is_read_as_the_decimal_string_it_was_sent_as() -> None:
    assert number_text({"type": "om2:Measure", "hasNumericalValue": "12.50"}) == "12.50"
    assert number_text("3") == "3"
    assert number_text({"hasNumericalValue": 12.5}) is None  # a float: no quantity
    assert number_text(None) is None
