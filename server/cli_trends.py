"""`comptoir trends on|off`: whether the city shows trending hashtags and statuses to apps
(`/api/v1/trends/tags`, `/trends/statuses`), as Mastodon's "enable trends" setting. Off,
they answer `[]`; the change applies at once in every process (an instance setting)."""

from __future__ import annotations

import argparse
from typing import Any

from exchange import instance_settings
from server.cli_common import in_db


def cmd_trends(args: argparse.Namespace) -> int:
    shown = args.state == "on"
    in_db(args, lambda s: instance_settings.set_trends_shown(s, shown, None))
    print("trends are " + ("shown" if shown else "not shown"))
    return 0


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "trends", parents=[common], help="show trending hashtags and statuses to apps, or not"
    )
    p.add_argument("state", choices=["on", "off"])
    p.set_defaults(func=cmd_trends)
