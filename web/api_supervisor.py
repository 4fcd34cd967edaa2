"""What supervisors watch: the live picture of calls and agents, and IVR statistics (the wallboard's data)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from aiohttp import web

from ivr import ivr_stats
from ivr.store_backend import StoreBackend

from . import keys
from .auth import require_role
from .errors import bad_request

routes = web.RouteTableDef()
SUPERVISORS = ("supervisor", "admin")


def _period(request: web.Request) -> tuple[datetime, datetime]:
    tz = request.app[keys.RULES].timezone
    now = request.app[keys.CLOCK]().astimezone(tz)
    try:
        start = (
            datetime.fromisoformat(request.query["from"])
            if "from" in request.query
            else datetime.combine(now.date(), time(0), tzinfo=tz)
        )
        end = datetime.fromisoformat(request.query["to"]) if "to" in request.query else now + timedelta(seconds=1)
    except ValueError:
        raise bad_request("from and to are dates or date-times (ISO 8601)") from None
    start, end = (d if d.tzinfo else d.replace(tzinfo=tz) for d in (start, end))
    if end <= start:
        raise bad_request("the period ends before it starts")
    return start, end


@routes.get("/api/ivr/stats")
async def ivr_statistics(request: web.Request) -> web.Response:
    """Self-service rate and drop-outs per menu node for a period (default: today, in the center's time)."""
    require_role(request, *SUPERVISORS)
    start, end = _period(request)
    sessions = await StoreBackend(request.app[keys.DB]).load_sessions(start, end)
    return web.json_response(ivr_stats(sessions, start=start, end=end).to_json())


@routes.get("/api/supervisor/live")
async def live(request: web.Request) -> web.Response:
    require_role(request, *SUPERVISORS)
    workstation = request.app[keys.WORKSTATION]
    directory = workstation.directory
    agents = []
    for interface, presence in sorted(workstation.presence.items()):
        user = directory.by_interface(interface)
        agents.append(
            {
                "interface": interface,
                "user": user.username if user else None,
                "name": user.full_name if user else None,
                **presence.to_json(),
            }
        )
    load = request.app[keys.QUEUE_LOAD].snapshot()
    return web.json_response(
        {
            "calls": [c.to_json() for c in workstation.calls.active.values()],
            "agents": agents,
            "queues": [
                {
                    "name": name,
                    "title": title,
                    "waiting": load[name].waiting if name in load else None,
                    "available": load[name].available_agents if name in load else None,
                    "longest_wait_seconds": load[name].longest_wait_seconds if name in load else None,
                }
                for name, title in request.app[keys.RULES].queues.items()
            ],
            "pbx": {"health": workstation.pbx_health},
        }
    )


@routes.get("/api/supervisor/metrics")
async def metrics(request: web.Request) -> web.Response:
    """How fast pops reach operators (server side: ringing frame read → pop sent), and the PBX link."""
    require_role(request, *SUPERVISORS)
    workstation = request.app[keys.WORKSTATION]
    return web.json_response(
        {
            "pop_latency": workstation.pop_latency.to_json(),
            "pbx": workstation.pbx_health,
            "active_calls": len(workstation.calls.active),
        }
    )
