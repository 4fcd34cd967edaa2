"""Interpreter tuning for the long batch commands, applied by the command line only (web/cli.py).

Library code (crm_store.importer among it) never changes process-wide settings: it may run inside the
server, whose own settings (web/server.py) would silently change under it.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# SQLite writes a chunk in its own thread while the importer parses the next, but each time that thread
# comes back from SQLite it waits for the GIL, up to the switch interval (5 ms by default), behind the busy
# parser: those waits made the writes 1.7x longer than SQLite's work.
BATCH_SWITCH_INTERVAL_S = 0.0005


@contextmanager
def batch_tuning() -> Iterator[None]:
    """For a bulk import: the cyclic GC paused and a short switch interval, both restored afterwards.

    An import builds hundreds of thousands of long-lived objects and no reference cycles; each full
    collection meanwhile walks all of them (~1/3 of a re-run's time)."""
    gc_was_enabled = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(interval, BATCH_SWITCH_INTERVAL_S))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if gc_was_enabled:
            gc.enable()
