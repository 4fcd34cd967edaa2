"""``ccdesk pbx-sim`` entry points, wired by web/cli.py:

parser = subparsers.add_parser("pbx-sim"); cti.sim.cli.add_arguments(parser)
asyncio.run(cti.sim.cli.run_from_args(args))
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from .config import SimConfig
from .simulator import PbxSimulator

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5038)
    parser.add_argument("--username", default="ccdesk")
    parser.add_argument("--secret", default="ccdesk")
    parser.add_argument("--calls-per-minute", type=float, default=6.0)
    parser.add_argument("--agi", metavar="HOST:PORT", default=None, help="FastAGI server for IVR calls")
    parser.add_argument("--ivr-share", type=float, default=0.3)
    parser.add_argument("--talk-time", type=float, nargs=2, default=(20.0, 180.0), metavar=("MIN", "MAX"))
    parser.add_argument("--patience", type=float, nargs=2, default=(20.0, 120.0), metavar=("MIN", "MAX"))
    parser.add_argument("--system-name", default="")
    parser.add_argument("--seed", type=int, default=None)


def config_from_args(args: argparse.Namespace) -> SimConfig:
    return SimConfig(
        host=args.host,
        port=args.port,
        username=args.username,
        secret=args.secret,
        calls_per_minute=args.calls_per_minute,
        agi_address=args.agi,
        ivr_share=args.ivr_share if args.agi else 0.0,
        talk_time=tuple(args.talk_time),
        abandon_patience=tuple(args.patience),
        system_name=args.system_name,
        seed=args.seed,
    )


async def run_from_args(args: argparse.Namespace) -> None:
    """Run until cancelled or SIGINT/SIGTERM."""
    sim = PbxSimulator(config_from_args(args))
    await sim.start()
    log.info("PBX simulator: AMI on %s:%s (user %s)", args.host, sim.port, args.username)
    print(f"PBX simulator listening on {args.host}:{sim.port}", file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass
        await sim.stop()
