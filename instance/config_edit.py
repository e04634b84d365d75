"""Change one key of an instance.toml without losing the operator's comments and layout.

`tomllib` only reads TOML, and a rewrite through a parser would drop every comment the
operator wrote; backups and restores change two or three keys (the secret key, the database
URL, the data folder), so they are replaced line by line, then the result is parsed again to
prove the change took (`ConfigEditError` otherwise, e.g. for a multi-line value).
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

#: the keys of instance.toml that are secrets (a backup leaves them out unless asked)
SECRET_KEYS = (("instance", "secret_key"),)
#: the comment a backup writes above a secret it left out (a restore that fills it removes it)
LEFT_OUT = "left out of the backup: `comptoir restore` sets one"


class ConfigEditError(Exception):
    pass


def quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _section_of(line: str) -> str | None:
    match = re.match(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$", line)
    return match.group(1) if match else None


def set_key(document: str, section: str, key: str, value: str, *, comment: str = "") -> str:
    """`document` with `[section] key = "value"`, replacing the line or adding it to the
    section (a new section at the end if there is none)."""
    lines = document.splitlines()
    new_line = f"{key} = {quote(value)}"
    current: str | None = None
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    end_of_section: int | None = None
    done = False
    for i, line in enumerate(lines):
        found = _section_of(line)
        if found is not None:
            if current == section and end_of_section is None:
                end_of_section = i
            current = found
            continue
        if current == section and key_re.match(line):
            lines[i] = new_line
            if comment:
                lines.insert(i, f"# {comment}")
            done = True
            break
    if not done:
        extra = ([f"# {comment}"] if comment else []) + [new_line]
        if end_of_section is not None:
            lines[end_of_section:end_of_section] = extra
        elif current == section:
            lines.extend(extra)
        else:
            lines.extend(["", f"[{section}]", *extra])
    result = "\n".join(lines) + "\n"
    try:
        parsed: Any = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigEditError(f"cannot set {section}.{key}: {exc}") from None
    if parsed.get(section, {}).get(key) != value:
        raise ConfigEditError(
            f"cannot set {section}.{key} (is its value written on several lines?)"
        )
    return result


def get_key(document: str, section: str, key: str) -> Any:
    parsed: Any = tomllib.loads(document)
    return parsed.get(section, {}).get(key)
