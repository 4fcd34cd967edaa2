"""The wallboard's edge to the store: its figures of today rebuilt from the call cards (at start-up)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from crm_store import stats as st
from crm_store.db import Database

from .wallboard import DEFAULT_TZ, WallboardStats, day_bounds


async def rebuilt_from_cards(
    db: Database,
    now: datetime,
    *,
    tz: ZoneInfo | None = None,
    service_levels: Mapping[str, int] | None = None,
    default_service_level: int = st.DEFAULT_SERVICE_LEVEL_SECONDS,
    writer_restarted: bool = True,
) -> WallboardStats:
    """The wallboard of `now`'s local day as the stored cards say. Subscribe it to the event stream before the
    PBX connection starts (as the workstation is), so that no event falls between the read and the fold."""
    zone = tz or ZoneInfo(DEFAULT_TZ)
    start, end = day_bounds(now.astimezone(zone).date(), zone)
    stored = await st.day_stats(
        db, start=start, end=end, service_levels=service_levels, default_service_level=default_service_level
    )
    return WallboardStats.seeded(
        stored,
        tz=zone,
        service_levels=service_levels,
        default_service_level=default_service_level,
        writer_restarted=writer_restarted,
    )
