"""How far an import has come: rows done of the rows expected, the rate, and the time left (pure figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# A rate over the first fraction of a second is noise (the first chunk includes reading the file).
MIN_ELAPSED_FOR_RATE_S = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportProgress:
    rows: int  # data rows handled so far (imported, skipped or rejected)
    expected: int | None  # the rows the file is estimated to hold; None when the reader cannot tell
    rejected: int
    elapsed_s: float
    done: bool = False

    @property
    def rate(self) -> float | None:
        """Rows per second so far."""
        if self.elapsed_s < MIN_ELAPSED_FOR_RATE_S and not self.done:
            return None
        return self.rows / self.elapsed_s if self.elapsed_s > 0 else None

    @property
    def percent(self) -> float | None:
        if self.done:
            return 100.0
        if not self.expected:
            return None
        return min(99.9, 100.0 * self.rows / self.expected)  # an estimate: never 100 before the end

    @property
    def left_s(self) -> float | None:
        """Seconds left at the rate so far; None when the rate or the size is not known yet."""
        if self.done:
            return 0.0
        rate = self.rate
        if not rate or not self.expected:
            return None
        return max(0.0, (self.expected - self.rows) / rate)

    def line(self) -> str:
        """One terminal line: `41,000 of ~120,000 rows (34.2 %), 21,500 rows/s, about 4 s left`."""
        parts = [f"{self.rows:,}" + (f" of ~{self.expected:,}" if self.expected else "") + " rows"]
        if self.percent is not None:
            parts[0] += f" ({self.percent:.1f} %)"
        if self.rate is not None:
            parts.append(f"{self.rate:,.0f} rows/s")
        if self.left_s is not None and not self.done:
            parts.append(f"about {self.left_s:,.0f} s left")
        if self.rejected:
            parts.append(f"{self.rejected:,} rejected")
        return ", ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "expected": self.expected,
            "rejected": self.rejected,
            "elapsed_s": round(self.elapsed_s, 2),
            "rate": None if self.rate is None else round(self.rate, 1),
            "percent": None if self.percent is None else round(self.percent, 1),
            "left_s": None if self.left_s is None else round(self.left_s, 1),
            "done": self.done,
        }


ProgressListener = Callable[[ImportProgress], None]
