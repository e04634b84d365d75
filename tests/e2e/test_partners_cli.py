"""`comptoir partners ...` against real cities: the command writes to the city's database and
the running server's worker delivers what it queued."""

from __future__ import annotations

import asyncio
import re
import subprocess
from typing import Any

from ..cli import comptoir
from .helpers import eventually


async def run(city: Any, *args: str) -> subprocess.CompletedProcess[str]:
    # the command runs its own event loop: off this test's loop, in a thread
    return await asyncio.to_thread(comptoir, city.settings.path, "partners", *args)


def hashes(output: str) -> list[str]:
    return re.findall(r"hash ([0-9a-f]{64})", output)


PROPOSAL = ("--rate", "3/2", "--min", "1", "--max", "100", "--import-cap", "500")


async def test_propose_accept_from_the_command_line_gives_both_the_same_hash(
    start_city: Any,
) -> None:
    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    done = await run(a, "propose", b.settings.domain, *PROPOSAL, "--export-cap", "500")
    assert done.returncode == 0, done.stderr
    [proposed_hash] = hashes(done.stdout)

    async def waiting_at_b() -> bool:
        shown = await run(b, "show", a.settings.domain)
        return shown.returncode == 0 and "proposed" in shown.stdout

    await eventually(waiting_at_b)
    accepted = await run(b, "accept", a.settings.domain)
    assert accepted.returncode == 0, accepted.stderr
    assert "is active" in accepted.stdout

    async def active_at_a() -> bool:
        return " active " in (await run(a, "list")).stdout

    await eventually(active_at_a)
    shown_a, shown_b = (
        await run(a, "show", b.settings.domain),
        await run(b, "show", a.settings.domain),
    )
    assert hashes(shown_a.stdout) == hashes(shown_b.stdout) == [proposed_hash]


async def test_bad_input_exits_2_with_its_reason(start_city: Any) -> None:
    a, b = await start_city(), await start_city(currency={"code": "LEF"})
    domain = b.settings.domain
    cases = [
        ((domain, *PROPOSAL, "--export-cap", "500", "--currency", "XYZ"), "uses LEF, not XYZ"),
        ((domain, *PROPOSAL, "--export-cap", "500", "--until", "2020-01-01"), "past"),
        (
            (
                domain,
                "--rate",
                "0/1",
                "--min",
                "1",
                "--max",
                "2",
                "--import-cap",
                "1",
                "--export-cap",
                "1",
            ),
            "rate",
        ),
        (
            (
                domain,
                "--rate",
                "1/1",
                "--min",
                "5",
                "--max",
                "2",
                "--import-cap",
                "1",
                "--export-cap",
                "1",
            ),
            "minimum per settlement is above the maximum",
        ),
        (("127.0.0.1:9", *PROPOSAL, "--export-cap", "500"), "could not find the city"),
    ]
    for args, message in cases:
        done = await run(a, "propose", *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    assert (await run(a, "list")).stdout.strip() == "no partner cities"
    refused = await run(a, "accept", domain)
    assert refused.returncode != 0 and "no partnership" in refused.stderr
