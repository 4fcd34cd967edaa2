"""Benchmark of the CTI bridge's hot path.

1. Records a realistic AMI event stream from the PBX simulator (answered and
   abandoned PJSIP calls with all their VarSet/Newexten/RTP noise).
2. A separate process serves that stream over loopback TCP, as fast as the
   socket takes it, once to the bridge (AmiClient: framing + ordered inbox +
   CallTracker + typed events) and once to panoramisk alone (its Manager and
   protocol, one callback for every event) — same bytes, same run.
3. Feeds the tracker call after call (1M calls, 100k with --quick) and checks
   that its memory stays flat.

The last line printed is ``name=value`` pairs.
Usage: python bench/ami.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import os
import re
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cti.client import AmiClient, AmiConfig
from cti.events import CallEnded, PbxDisconnected
from cti.frames import FrameParser
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from cti.tracker import CallTracker

CALL_IDS = re.compile(rb"(?m)^(?:Dest)?(?:Uniqueid|Linkedid): [^\r]+")
END = b"Event: BenchEnd\r\nPrivilege: system,all\r\n\r\n"


# ------------------------------------------------------------ recording


async def record(calls: int) -> tuple[bytes, int]:
    """The bytes a logged-in client receives while the simulator plays ``calls``."""
    members = tuple(MemberConfig(interface=f"PJSIP/{1000 + i}", name=f"Bot {i}") for i in range(8))
    cfg = SimConfig(
        port=0,
        queues=(QueueConfig(name="support", members=members, ring_timeout=5, retry=0),),
        agent_answer_delay=0.0,
        answer_wait=0.0,
        talk_time=(0.0, 0.0),
        rtcp_interval=3600,
        login_failure_delay=0,
        seed=7,
    )
    sim = PbxSimulator(cfg)
    await sim.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    await reader.readline()
    writer.write(b"Action: Login\r\nUsername: ccdesk\r\nSecret: ccdesk\r\n\r\n")
    head = await reader.readuntil(b"SessionTV")
    await reader.readuntil(b"\r\n\r\n")
    del head
    chunks: list[bytes] = []
    done = 0
    batch = 8
    for start in range(0, calls, batch):
        ids = []
        for i in range(start, min(calls, start + batch)):
            # one call in eight gives up in the queue: abandons are part of the mix
            ids.append(
                sim.place_inbound_call(
                    f"7900{i:07d}", queue="support", patience=0.0 if i % 8 == 7 else 60.0, talk_time=0.0
                )
            )
        while any(ch.linkedid in ids for ch in sim.pbx.channels.values()) or sim.pbx.tasks:
            await asyncio.sleep(0)
            try:
                chunks.append(await asyncio.wait_for(reader.read(1 << 20), 0.001))
            except TimeoutError:
                pass
        done += len(ids)
    while True:
        try:
            data = await asyncio.wait_for(reader.read(1 << 20), 0.05)
        except TimeoutError:
            break
        chunks.append(data)
    writer.close()
    await sim.stop()
    blob = b"".join(chunks)
    events = blob.count(b"\r\n\r\n")
    return blob, events


# ------------------------------------------------------------ serving


def serve(blob: bytes, repeat: int, port_q: multiprocessing.Queue[int]) -> None:
    """A PBX that answers login/resync and then blasts the recorded stream."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await blast(reader, writer)
        except ConnectionError:
            pass  # the client hung up first: nothing to clean

    async def blast(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        parser = FrameParser(expect_banner=False, lenient=True)
        go = False
        while not go:
            data = await reader.read(65536)
            if not data:
                return
            for f in parser.feed(data):
                action = (f.get("Action") or "").lower()
                aid = f.get("ActionID", "")
                if action == "login":
                    writer.write(
                        f"Response: Success\r\nActionID: {aid}\r\nMessage: Authentication accepted\r\n\r\n".encode()
                    )
                elif action in ("queuestatus", "coreshowchannels", "queuesummary"):
                    name = {
                        "queuestatus": "QueueStatusComplete",
                        "coreshowchannels": "CoreShowChannelsComplete",
                        "queuesummary": "QueueSummaryComplete",
                    }[action]
                    writer.write(
                        f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n"
                        f"Message: will follow\r\n\r\nEvent: {name}\r\nActionID: {aid}"
                        "\r\nEventList: Complete\r\nListItems: 0\r\n\r\n".encode()
                    )
                    go = action == "queuesummary"
                elif action == "ping":
                    writer.write(f"Response: Success\r\nActionID: {aid}\r\nPing: Pong\r\n\r\n".encode())
                    go = aid == "go"
        for replay in rounds:
            writer.write(replay)
            await writer.drain()
        writer.write(END)
        await writer.drain()
        writer.close()

    # Each round renames its call ids, so every served call is a new one to the tracker (it rightly ignores
    # events of a call it has seen end); built before listening, so the blast measures only the client.
    rounds = [blob] + [CALL_IDS.sub(lambda m, r=r: m.group(0) + b"-%d" % r, blob) for r in range(1, repeat)]

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port_q.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# ------------------------------------------------------------ clients


async def run_bridge(port: int) -> tuple[float, float, int]:
    client = AmiClient(AmiConfig(port=port, username="b", secret="b", ping_interval=3600, reconnect_min=3600))
    done = asyncio.get_running_loop().create_future()
    ended = 0
    t0 = c0 = 0.0

    def on_event(event: object) -> None:
        nonlocal ended
        if isinstance(event, CallEnded):
            ended += 1
        elif isinstance(event, PbxDisconnected) and not done.done():
            done.set_result(None)

    client.subscribe(on_event)
    await client.start()
    await client.wait_connected(10)
    t0, c0 = time.perf_counter(), time.process_time()
    await done
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    await client.close()
    return wall, cpu, ended


async def run_panoramisk(port: int) -> tuple[float, float, int]:
    from panoramisk import Manager

    loop = asyncio.get_running_loop()
    done = loop.create_future()
    count = 0

    def on_any(manager: object, message: object) -> None:
        nonlocal count
        count += 1

    def on_end(manager: object, message: object) -> None:
        if not done.done():
            done.set_result(None)

    manager = Manager(
        host="127.0.0.1", port=port, username="b", secret="b", loop=loop, ping_delay=3600, reconnect_timeout=3600
    )
    manager.register_event("*", on_any)
    manager.register_event("BenchEnd", on_end)
    await manager.connect()
    while not manager.authenticated:
        await asyncio.sleep(0.01)
    t0, c0 = time.perf_counter(), time.process_time()
    go = manager.send_action({"Action": "Ping", "ActionID": "go"})
    await done
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    go.cancel()
    manager.close()
    manager.connection_lost = lambda exc: None  # no reconnect after we hang up
    await asyncio.sleep(0.01)
    return wall, cpu, count


# ------------------------------------------------------------ memory


def memory_flat(blob: bytes, calls_total: int, calls_in_blob: int) -> dict[str, float]:
    """Feed the tracker the recorded calls over and over, renaming the ids of
    each round so every call is new, and watch its memory."""
    frames = FrameParser().feed(b"Asterisk Call Manager/11.0.0\r\n" + blob)
    # the call-relevant frames only (VarSet/Newexten are dropped by the tracker
    # in one dict lookup; leaving them out keeps 1M calls within minutes)
    keep = [dict(f) for f in frames if f.get("Event") not in ("VarSet", "Newexten", "RTCPSent")]
    id_keys = [k for k in ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")]
    tracker = CallTracker()
    at = datetime.now(UTC)
    rounds = max(1, calls_total // calls_in_blob)
    plan = [(f, [k for k in id_keys if k in f]) for f in keep]
    samples: list[int] = []
    fed = 0
    for r in range(rounds):
        suffix = f"-{r}"
        for f, keys in plan:
            g = f.copy()
            for k in keys:
                g[k] += suffix
            tracker.feed(g, at)
        fed += len(plan)
        # The tracker's bounded memories (recently ended calls / settled
        # originates, 10k each) fill during the first 10k calls; after that
        # the resident size must not move.
        if r in (max(1, rounds // 10), rounds // 2, rounds - 1):
            gc.collect()
            samples.append(_rss_kb())
    return {
        "calls_fed": rounds * calls_in_blob,
        "frames_fed": fed,
        "mem_first_kb": samples[0],
        "mem_last_kb": samples[-1],
        "tracker_calls_left": tracker.stats()["calls"],
        "tracker_channels_left": tracker.stats()["channels"],
    }


def _rss_kb() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller run, under a minute")
    ap.add_argument("--calls", type=int, default=None, help="calls in the recorded stream")
    ap.add_argument("--repeat", type=int, default=None, help="times the stream is served")
    ap.add_argument("--memory-calls", type=int, default=None)
    args = ap.parse_args()
    calls = args.calls or (400 if args.quick else 1000)
    repeat = args.repeat or (3 if args.quick else 10)
    memory_calls = args.memory_calls or (200_000 if args.quick else 1_000_000)

    t = time.perf_counter()
    blob, events = asyncio.run(record(calls))
    varsets = blob.count(b"Event: VarSet\r\n")
    print(
        f"recorded {calls} calls from the simulator: {events} events "
        f"({events / calls:.0f}/call, {varsets / events:.0%} VarSet), {len(blob) / 1e6:.1f} MB, "
        f"{time.perf_counter() - t:.1f} s"
    )

    port_q: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(blob, repeat, port_q), daemon=True)
    server.start()
    port = port_q.get(timeout=30)
    total = events * repeat
    try:
        p_wall, p_cpu, p_count = asyncio.run(run_panoramisk(port))
        b_wall, b_cpu, b_ended = asyncio.run(run_bridge(port))
    finally:
        server.terminate()
        server.join()
    print(
        f"panoramisk alone : {total} events in {p_wall:.2f} s wall / {p_cpu:.2f} s CPU "
        f"= {total / p_wall:,.0f} events/s ({p_count} callbacks)"
    )
    print(
        f"bridge (parse+track): {total} events in {b_wall:.2f} s wall / {b_cpu:.2f} s CPU "
        f"= {total / b_wall:,.0f} events/s ({b_ended} CallEnded, "
        f"expected {calls * repeat})"
    )
    ratio = b_wall / p_wall
    print(f"overhead ratio (bridge time / panoramisk time) = {ratio:.2f}")

    t = time.perf_counter()
    mem = memory_flat(blob, memory_calls, calls)
    print(
        f"memory: {mem['calls_fed']:,} calls ({mem['frames_fed']:,} call frames) through "
        f"the tracker in {time.perf_counter() - t:.1f} s; process RSS "
        f"{mem['mem_first_kb']:.0f} KB after 10% of the calls, {mem['mem_last_kb']:.0f} KB "
        f"at the end; calls left {mem['tracker_calls_left']}, channels left "
        f"{mem['tracker_channels_left']}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"name=ami events_per_s={total / b_wall:.0f} overhead_ratio={ratio:.2f} "
        f"panoramisk_events_per_s={total / p_wall:.0f} events_per_call={events / calls:.0f} "
        f"calls_ended={b_ended} memory_calls={mem['calls_fed']} "
        f"mem_first_kb={mem['mem_first_kb']:.0f} mem_last_kb={mem['mem_last_kb']:.0f} "
        f"max_rss_mb={rss:.0f} pid={os.getpid()}"
    )


if __name__ == "__main__":
    main()
