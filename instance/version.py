"""Our software version, as installed: read from the package metadata (pyproject.toml), never copied.

Shown in our User-Agent, NodeInfo and the Mastodon-compatible instance document.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("comptoir")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "unknown"
