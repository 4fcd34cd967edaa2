"""Screen-pop benchmark: the time from the PBX writing the ringing event to the operator's browser
client holding the complete pop (customer, accounts, payments, readings, applications, history).

    python bench/screen_pop.py           # 500 operators, 50 calls/s for 60 s, the 1M-customer store
    python bench/screen_pop.py --quick   # 50 operators, 10 calls/s for 10 s, a 20k-customer store

The server is `ccdesk serve` in its own process (one event loop, as in production), pointed over AMI at
a PBX simulator that runs here; the N authenticated Socket.IO clients run in a third process. The
simulator stamps the moment it writes each AgentCalled frame; a client stamps the moment the pop
arrives (same machine, same clock).
The comparison printed is the pop latency against the time the same pop query takes alone.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import random
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import socketio
from sqlalchemy import text

from crm_store import sessions, users
from crm_store.db import open_database
from crm_store.migrate import upgrade
from crm_store.pop import screen_pop
from cti.sim import PbxSimulator, QueueConfig, SimConfig

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]
LINKEDID = re.compile(rb"\r\nLinkedid: ([^\r]+)\r\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): what each side costs per call, which a busy
    machine does not change as it changes latencies."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))] if ordered else float("nan")


async def ensure_store(customers: int) -> str:
    path = OUT / f"store-{customers}.db"
    if not path.exists():
        print(f"building the store first: python bench/store.py --customers {customers}", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "store.py"),
                "--customers",
                str(customers),
                "--samples",
                "500",
                "--import-rows",
                "1000",
            ],
            check=True,
        )
    url = f"sqlite:///{path}"
    await upgrade(url)
    return url


async def operators_with_sessions(url: str, count: int) -> list[tuple[str, str]]:
    """Bench operators (extension 5000+i) and a live session token each: argon2 logins for 500 people
    would measure password hashing, which the auth tests cover."""
    db = open_database(url)
    now = datetime.now(UTC)
    result = []
    try:
        existing = {u.username for u in await users.list_users(db)}
        for i in range(count):
            name = f"bench{i:03d}"
            if name not in existing:
                await users.create_user(
                    db,
                    username=name,
                    role="operator",
                    password_hash="!bench",
                    extension=str(5000 + i),
                    queues=["support"],
                    full_name=f"Bench {i}",
                )
            user, _ = await users.credentials(db, name)  # type: ignore[misc]
            token = await sessions.open_session(db, user.id, now=now, lifetime=timedelta(hours=2))
            result.append((name, token))
        if "benchsup" not in existing:
            await users.create_user(db, username="benchsup", role="supervisor", password_hash="!bench")
        sup, _ = await users.credentials(db, "benchsup")  # type: ignore[misc]
        result.append(("benchsup", await sessions.open_session(db, sup.id, now=now, lifetime=timedelta(hours=2))))
        async with db.read_session() as s:
            numbers = list(await s.scalars(text("SELECT raw FROM phones ORDER BY random() LIMIT 5000")))
    finally:
        await db.dispose()
    return result, numbers  # type: ignore[return-value]


class Client:
    def __init__(self, base: str, token: str, received: dict[str, float]) -> None:
        self.base, self.token, self.received = base, token, received
        self.sio = socketio.AsyncClient(reconnection=False)
        self.http = aiohttp.ClientSession(base, cookies={"ccdesk_session": token})
        self.sio.on("pop", self.on_pop, namespace="/operator")
        self.complete = 0

    async def on_pop(self, data: dict) -> None:  # type: ignore[type-arg]
        self.received[data["call_id"]] = time.time()
        if data["matches"] and data["matches"][0]["accounts"] is not None:
            self.complete += 1

    async def start(self) -> None:
        page = await (await self.http.get("/")).text()
        csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert csrf, "not signed in"
        for attempt in range(3):  # 2000 handshakes at once can time out on a busy machine: try again
            try:
                await self.sio.connect(
                    self.base,
                    headers={"Cookie": f"ccdesk_session={self.token}"},
                    namespaces=["/operator"],
                    transports=["websocket"],
                    wait_timeout=10,
                )
                break
            except socketio.exceptions.ConnectionError:
                if attempt == 2:
                    raise
                await asyncio.sleep(1.0)
        async with self.http.post(
            "/api/presence/sign-in", json={"queues": ["support"]}, headers={"X-CSRF-Token": csrf.group(1)}
        ) as response:
            assert response.status == 200, await response.text()

    async def close(self) -> None:
        await self.sio.disconnect()
        await self.http.close()


def run_clients(base: str, tokens: list[str], pipe: Connection) -> None:
    """The operators' browsers, in a process of their own: their receive stamps must not wait behind the
    simulator's work (real browsers are on other machines)."""
    asyncio.run(_clients(base, tokens, pipe))


async def _clients(base: str, tokens: list[str], pipe: Connection) -> None:
    received: dict[str, float] = {}
    clients: list[Client] = []
    try:
        for i in range(0, len(tokens), 25):
            batch = [Client(base, token, received) for token in tokens[i : i + 25]]
            await asyncio.gather(*(c.start() for c in batch))
            clients.extend(batch)
        # Browsers run on other machines: this process must not add the collector's pauses over 2000
        # clients' objects to the measured latency. Freezing them was not enough: its young passes over the
        # pops it had just received still stopped it for 20-34 ms every few seconds. Off until the end.
        gc.collect()
        gc.freeze()
        gc.disable()
        pipe.send(("ready", len(clients)))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.recv)  # "stop"
        gc.enable()
        pipe.send(("done", received, sum(c.complete for c in clients)))
    finally:
        for c in clients:
            await c.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--operators", type=int)
    parser.add_argument("--calls-per-second", type=float)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--customers", type=int)
    parser.add_argument(
        "--wrap-up",
        type=float,
        help="the support queue's after-call work in seconds (the default rules say 30: see the note printed); "
        "by default up to 10 s, as much as keeps a fifth of the operators free",
    )
    args = parser.parse_args()
    operators = args.operators or (50 if args.quick else 500)
    rate = args.calls_per_second or (10.0 if args.quick else 50.0)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    customers = args.customers or (20_000 if args.quick else 1_000_000)
    if args.wrap_up is None:
        args.wrap_up = float(max(0, min(10, int(operators / rate * 0.8 - 3.5))))
    OUT.mkdir(exist_ok=True)
    url = await ensure_store(customers)
    accounts, numbers = await operators_with_sessions(url, operators)
    (_sup, sup_token) = accounts.pop()
    server_side: dict = {}  # type: ignore[type-arg]
    cpu_used = {"server": float("nan"), "pbx": float("nan"), "clients": float("nan")}

    written: dict[str, float] = {}
    sim = PbxSimulator(
        SimConfig(
            port=0,
            username="bench",
            secret="bench-secret",
            queues=(QueueConfig(name="support", timeout=600.0, ring_timeout=20.0),),
            operator_answer_delay=0.5,
            talk_time=(2.0, 4.0),
            abandon_patience=(600.0, 600.0),
            answer_wait=0.0,
            rtcp_interval=60.0,
            seed=1,
        )
    )
    await sim.start()

    def stamp(data: bytes) -> None:
        if data.startswith(b"Event: AgentCalled\r\n"):
            found = LINKEDID.search(data)
            if found:
                written.setdefault(found.group(1).decode(), time.time())

    sim.pbx.sinks.append(stamp)
    # The default rules give support 30 s of after-call work, and the bench's operators never end it early:
    # each call then holds an operator ~33.5 s, so 100 calls/s need 3,350 operators. With fewer, every
    # operator is busy after 20 s, callers queue, and when the wrap-ups end the floor rings twice the rate
    # placed (200 pops/s): a capacity shortage, not the load asked for. The bench's floor can take its calls.
    rules_text = (ROOT / "routing" / "default_rules.toml").read_text(encoding="utf-8")
    rules_text = re.sub(
        r'^support = \{ title = "([^"]*)", wrap_up_seconds = \d+ \}$',
        lambda m: f'support = {{ title = "{m.group(1)}", wrap_up_seconds = {args.wrap_up:g} }}',
        rules_text,
        count=1,
        flags=re.M,
    )
    assert f"wrap_up_seconds = {args.wrap_up:g} }}" in rules_text, "the default rules' support line changed"
    rules = OUT / "screen_pop_rules.toml"
    rules.write_text(rules_text, encoding="utf-8")
    busy = rate * (0.5 + 3.0 + args.wrap_up)
    print(
        f"after-call work {args.wrap_up:g} s a call: about {busy:.0f} of {operators} operators busy at once"
        + ("" if busy < operators else " -- MORE than there are: calls will queue, then ring in bursts"),
        flush=True,
    )
    http_port, agi_port = free_port(), free_port()
    env = {
        **os.environ,
        "CCDESK_DATABASE_URL": url,
        "CCDESK_PORT": str(http_port),
        "CCDESK_AGI_PORT": str(agi_port),
        "CCDESK_PBX": f"ami://bench:bench-secret@127.0.0.1:{sim.port}",
        "CCDESK_VAR_DIR": str(OUT / "var"),
        "CCDESK_ROUTING_RULES": str(rules),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / "screen_pop_server.log", "w"),
    )
    base = f"http://127.0.0.1:{http_port}"
    parent_end, child_end = multiprocessing.get_context("spawn").Pipe()
    clients = multiprocessing.get_context("spawn").Process(
        target=run_clients, args=(base, [token for _name, token in accounts], child_end), daemon=True
    )
    received: dict[str, float] = {}
    complete = 0
    try:
        async with aiohttp.ClientSession() as probe:
            for _ in range(300):
                try:
                    async with probe.get(f"{base}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        t = time.perf_counter()
        clients.start()
        ready = await asyncio.get_running_loop().run_in_executor(None, parent_end.recv)
        print(
            f"{ready[1]} operators signed in over Socket.IO (in a process of their own) in "
            f"{time.perf_counter() - t:.1f} s",
            flush=True,
        )
        await asyncio.sleep(1.0)
        # The same for the PBX simulator in this process (Asterisk runs elsewhere, in C): its collector's
        # passes over 2,000 simulated members stopped it for up to 730 ms, and every AgentCalled frame stamped
        # before such a stop reached the server that much later. Off while the calls are placed.
        gc.collect()
        gc.freeze()
        gc.disable()
        rng = random.Random(5)
        total = int(rate * seconds)
        assert clients.pid is not None
        cpu_before = {
            "server": cpu_seconds(server.pid),
            "pbx": cpu_seconds(os.getpid()),
            "clients": cpu_seconds(clients.pid),
        }
        started = time.perf_counter()
        for n in range(total):
            sim.place_inbound_call(rng.choice(numbers), queue="support")
            delay = started + (n + 1) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.sleep(3.0)  # the last pops in flight
        gc.enable()
        cpu_used = {
            "server": cpu_seconds(server.pid) - cpu_before["server"],
            "pbx": cpu_seconds(os.getpid()) - cpu_before["pbx"],
            "clients": cpu_seconds(clients.pid) - cpu_before["clients"],
        }
        parent_end.send("stop")
        _done, received, complete = await asyncio.get_running_loop().run_in_executor(None, parent_end.recv)
        async with (
            aiohttp.ClientSession(base, cookies={"ccdesk_session": sup_token}) as sup,
            sup.get("/api/supervisor/metrics") as r,
        ):
            server_side = (await r.json())["pop_latency"]
    finally:
        if clients.is_alive():
            clients.join(timeout=10)
            clients.kill()
        server.terminate()
        server.wait(timeout=20)
        await sim.stop()
    latencies = [(received[c] - written[c]) * 1000 for c in written if c in received]
    # Each pop's ring time (s from the first ring) and latency, for finding when the slow ones happened.
    first = min(written.values(), default=0.0)
    (OUT / "screen_pop_latencies.csv").write_text(
        "ring_s,latency_ms\n"
        + "".join(
            f"{written[c] - first:.3f},{(received[c] - written[c]) * 1000:.1f}\n" for c in written if c in received
        )
    )
    lost = len([c for c in written if c not in received])

    db = open_database(url)
    # The bench's sessions end with it: left live, every run added 2,001 to the store, and the server's
    # session sweep read them all.
    async with db.write_session() as s, s.begin():
        await s.execute(
            text(
                "UPDATE web_sessions SET revoked = 1 WHERE revoked = 0 AND user_id IN "
                "(SELECT id FROM users WHERE username LIKE 'bench%')"
            )
        )
    alone = []
    for number in numbers[:300]:
        t0 = time.perf_counter()
        await screen_pop(db, number)
        alone.append((time.perf_counter() - t0) * 1000)
    await db.dispose()
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(
        f"calls placed {total} at {rate:g}/s for {seconds:g} s; rang {len(written)}; pops received {len(latencies)} "
        f"({complete} with a customer and accounts); lost {lost}"
    )
    print(
        f"pop latency (PBX ringing frame -> browser client holds the pop): p50 {p50:.1f} ms  p99 {p99:.1f} ms  "
        f"max {max(latencies, default=float('nan')):.1f} ms"
    )
    if server_side.get("p50_ms") is not None:
        print(
            f"of which in the server (ringing frame read -> pop handed to Socket.IO): p50 {server_side['p50_ms']:.1f} ms  "
            f"p99 {server_side['p99_ms']:.1f} ms over {server_side['count']} pops"
        )
    print(
        "CPU per call (ms): "
        + "  ".join(f"{side} {cpu_used[side] * 1000 / max(total, 1):.2f}" for side in ("server", "pbx", "clients"))
        + f"  (machine: {os.cpu_count()} cores; the load is {sum(cpu_used.values()) / (seconds + 3.0):.2f} cores)"
    )
    print(
        f"the pop query alone: p50 {percentile(alone, 50):.2f} ms  p99 {percentile(alone, 99):.2f} ms; "
        f"end-to-end / query-alone p50 ratio {p50 / max(percentile(alone, 50), 1e-9):.1f}"
    )
    print(
        f"goal p99 <= 50 ms at 50 calls/s with 500 operators: {'met' if p99 <= 50 and rate >= 50 and operators >= 500 else ('met at this load' if p99 <= 50 else 'NOT met')}"
    )
    print(
        f"pop_p50_ms={p50:.1f} pop_p99_ms={p99:.1f} calls_per_s={rate:g} operators={operators} "
        f"customers={customers} pops={len(latencies)} lost={lost} "
        f"server_p50_ms={server_side.get('p50_ms') or float('nan'):.1f} server_p99_ms={server_side.get('p99_ms') or float('nan'):.1f} "
        f"server_cpu_ms_per_call={cpu_used['server'] * 1000 / max(total, 1):.2f} wrap_up_s={args.wrap_up:g}"
    )


if __name__ == "__main__":
    asyncio.run(main())
