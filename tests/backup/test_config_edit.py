"""instance.toml keys changed in place: the operator's comments and layout stay."""

from __future__ import annotations

import tomllib

import pytest

from instance.config_edit import ConfigEditError, set_key

DOCUMENT = """\
# my city, edited by hand
[instance]
domain = "ville.example"  # chosen once
# keep this secret
secret_key = "old"

[database]
url = "sqlite:///data/comptoir.sqlite3"
"""


def test_a_key_is_replaced_in_its_section_and_every_comment_stays() -> None:
    changed = set_key(DOCUMENT, "instance", "secret_key", "new")
    assert tomllib.loads(changed)["instance"]["secret_key"] == "new"
    assert changed.replace('secret_key = "new"', 'secret_key = "old"') == DOCUMENT


def test_a_missing_key_is_added_to_the_end_of_its_section() -> None:
    changed = set_key(DOCUMENT, "instance", "data_dir", "data")
    parsed = tomllib.loads(changed)
    assert parsed["instance"]["data_dir"] == "data"
    assert changed.index("data_dir") < changed.index("[database]")


def test_a_missing_section_is_added() -> None:
    assert tomllib.loads(set_key(DOCUMENT, "workers", "mode", "x"))["workers"] == {"mode": "x"}


def test_values_are_quoted() -> None:
    changed = set_key(DOCUMENT, "database", "url", 'postgresql://a"b\\c@h/d')
    assert tomllib.loads(changed)["database"]["url"] == 'postgresql://a"b\\c@h/d'


def test_a_value_written_on_several_lines_is_refused_rather_than_half_changed() -> None:
    document = '[instance]\nsecret_key = """\nold\n"""\n'
    with pytest.raises(ConfigEditError):
        set_key(document, "instance", "secret_key", "new")
