"""Every word of the dialer the screens show has a Russian and an English label (web/static/i18n)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crm_store.campaigns import MOVES, STATUSES
from dialer.vocabulary import AttemptResult, Disposition, PacingMode
from web.api_campaigns import DISPOSITIONS

I18N = Path(__file__).resolve().parents[2] / "web" / "static" / "i18n"
KEYS = (
    [f"attempt_result.{r.value}" for r in AttemptResult]
    + [f"disposition.{d}" for d in DISPOSITIONS]
    + [f"disposition.{d.value}" for d in Disposition]
    + [f"pacing.{m.value}" for m in PacingMode]
    + [f"campaigns.state.{s}" for s in STATUSES]
    + [f"campaigns.control.{c}" for c in MOVES]
    + [f"promise.{s}" for s in ("pending", "kept", "broken")]
    + [f"reminder.{k}" for k in ("sms", "voice")]
    + [f"rule_set.{r}" for r in ("ru_230fz", "seven_in_seven")]
)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_dialer_word_has_a_label(lang: str) -> None:
    strings = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
    assert [k for k in KEYS if k not in strings] == []
