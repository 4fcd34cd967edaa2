"""The dialer's words: attempt results, dispositions, pacing modes, with Russian and English labels."""

from __future__ import annotations

import enum


class AttemptResult(enum.StrEnum):
    ANSWERED = "answered"  # the debtor answered and talked with an operator
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    MACHINE = "machine"  # an answering machine or voice mail picked up
    ABANDONED = "abandoned"  # answered, no operator free: the recorded message played, then hung up


class Disposition(enum.StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    PAID_ALREADY = "paid_already"
    DISPUTE = "dispute"
    REFUSED = "refused"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK = "call_back"
    DECEASED = "deceased"


class PacingMode(enum.StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


LABELS: dict[str, tuple[str, str]] = {
    AttemptResult.ANSWERED: ("Разговор", "Answered"),
    AttemptResult.BUSY: ("Занято", "Busy"),
    AttemptResult.NO_ANSWER: ("Нет ответа", "No answer"),
    AttemptResult.CONGESTION: ("Перегрузка сети", "Congestion"),
    AttemptResult.FAILED: ("Ошибка вызова", "Failed"),
    AttemptResult.MACHINE: ("Автоответчик", "Answering machine"),
    AttemptResult.ABANDONED: ("Сброшен (нет свободного оператора)", "Abandoned (no operator free)"),
    Disposition.PROMISE_TO_PAY: ("Обещание оплаты", "Promise to pay"),
    Disposition.PAID_ALREADY: ("Уже оплачено", "Paid already"),
    Disposition.DISPUTE: ("Спор", "Dispute"),
    Disposition.REFUSED: ("Отказ", "Refused"),
    Disposition.WRONG_NUMBER: ("Неверный номер", "Wrong number"),
    Disposition.CALL_BACK: ("Перезвонить", "Call back"),
    Disposition.DECEASED: ("Умер", "Deceased"),
    PacingMode.PREVIEW: ("Предпросмотр", "Preview"),
    PacingMode.PROGRESSIVE: ("Прогрессивный", "Progressive"),
    PacingMode.PREDICTIVE: ("Предиктивный", "Predictive"),
}
