"""Operational figures kept in memory: how fast the screen pop reaches operators (pure)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class LatencyWindow:
    """The last `size` samples in milliseconds, with percentiles over them."""

    size: int = 10_000
    _samples: deque[float] = field(default_factory=deque)
    count: int = 0

    def add(self, milliseconds: float) -> None:
        self._samples.append(milliseconds)
        self.count += 1
        while len(self._samples) > self.size:
            self._samples.popleft()

    def percentile(self, pct: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]

    def to_json(self) -> dict[str, float | int | None]:
        return {
            "count": self.count,
            "window": len(self._samples),
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "max_ms": max(self._samples, default=None),
        }
