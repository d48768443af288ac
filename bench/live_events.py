"""The live portal on the local stack: events delivered per second to 1,000 open sockets, and the time from a
transition (the API call) to the event on a page's socket.

Starts the local stack on free ports, signs in as the requester, opens 1,000 sockets to ``/live`` with its session
cookie (each through the real authoriser and ``$connect`` route), then creates changes through the API: each
archive write reaches the audit function, which claims its events and sends each to every socket through the
local management API, as it does through API Gateway's in AWS. Prints numbers; asserts nothing about them.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.api.helpers import change_input
from tests.local.stack_process import Browser, LocalStackProcess
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

SOCKETS = 1_000
CHANGES = 5
"""Each created change is one archive write with two events (created, submitted)."""
LATENCY_SAMPLES = 5


def cookie_of(browser: Browser) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)


async def open_sockets(url: str, origin: str, cookie: str, count: int) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []
    for start in range(0, count, 50):
        batch = [
            connect(
                url, origin=Origin(origin), additional_headers={"Cookie": cookie}, open_timeout=60, ping_interval=None
            )
            for _ in range(start, min(count, start + 50))
        ]
        sockets.extend(await asyncio.gather(*batch))
    return sockets


async def receive(socket: ClientConnection, wanted: int, deadline: float) -> list[float]:
    moments: list[float] = []
    while len(moments) < wanted:
        await asyncio.wait_for(socket.recv(), timeout=max(0.1, deadline - time.monotonic()))
        moments.append(time.monotonic())
    return moments


async def fan_out(stack: LocalStackProcess, requester: Browser) -> tuple[float, int, float]:
    url = stack.url.replace("http://", "ws://") + "/live"
    opened = time.monotonic()
    sockets = await open_sockets(url, stack.url, cookie_of(requester), SOCKETS)
    connect_seconds = time.monotonic() - opened
    wanted = 2 * CHANGES
    started = time.monotonic()
    listeners = [asyncio.create_task(receive(socket, wanted, started + 300)) for socket in sockets]
    for number in range(CHANGES):
        created = await asyncio.to_thread(
            requester.api, "POST", "/api/changes", change_input(changeTitle=f"Live bench {number}", customers=["alpha"])
        )
        created.raise_for_status()
    moments = [moment for each in await asyncio.gather(*listeners) for moment in each]
    for socket in sockets:
        await socket.close()
    first, last = min(moments), max(moments)
    return connect_seconds, len(moments), last - first


async def transition_to_socket(stack: LocalStackProcess, requester: Browser, approver: Browser) -> list[float]:
    url = stack.url.replace("http://", "ws://") + "/live"
    seconds: list[float] = []
    async with connect(
        url, origin=Origin(stack.url), additional_headers={"Cookie": cookie_of(requester)}, ping_interval=None
    ) as socket:
        for number in range(LATENCY_SAMPLES):
            document = change_input(changeTitle=f"Live latency {number}", customers=["alpha"])
            created = await asyncio.to_thread(requester.api, "POST", "/api/changes", document)
            change_id = created.json()["object"]["changeId"]
            await asyncio.sleep(1.0)  # the creation's events pass first
            while True:
                try:
                    await asyncio.wait_for(socket.recv(), timeout=0.2)
                except TimeoutError:
                    break
            started = time.monotonic()
            approved = await asyncio.to_thread(approver.api, "POST", f"/api/changes/{change_id}/approve")
            approved.raise_for_status()
            while True:
                message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
                if (message["type"], message["objectId"]) == ("approved", change_id):
                    seconds.append(time.monotonic() - started)
                    break
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack = LocalStackProcess(Path(folder) / "local-data")
        try:
            stack.start("--snapshot-interval", "0", "--clock-interval", "0")
            requester, approver = Browser(stack.url), Browser(stack.url)
            requester.sign_in("requester@example.com")
            approver.sign_in("approver@example.com")
            latencies = asyncio.run(transition_to_socket(stack, requester, approver))
            connect_seconds, delivered, spread = asyncio.run(fan_out(stack, requester))
        except Exception:
            print("".join(stack.output[-40:]), file=sys.stderr)
            raise
        finally:
            stack.kill()
    events = 2 * CHANGES
    print(f"live: {SOCKETS} sockets opened (authoriser + $connect each) in {connect_seconds:.1f} s")
    print(
        f"live: {events} events x {SOCKETS} sockets = {delivered} messages delivered in {spread:.2f} s "
        f"(first to last): {delivered / spread:.0f} messages/s, {events / spread:.2f} events/s to all sockets"
    )
    print(
        f"live: approval (API call) to the event on a socket: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms over {len(latencies)} approvals"
    )


if __name__ == "__main__":
    main()
