"""Asterisk's magic numbers and words, named once (values as AMI sends them)."""

from __future__ import annotations

import enum

from .events import OriginateOutcome


class ChannelState(enum.StrEnum):
    """ast_channel_state as the ``ChannelState`` header carries it."""

    DOWN = "0"  # an outgoing leg not dialled yet (an Originate's or a Dial's new channel)
    RING = "4"  # an incoming leg: someone is calling us
    RINGING = "5"
    UP = "6"


class ControlFrame(enum.IntEnum):
    """AST_CONTROL_* — the OriginateResponse ``Reason`` is the last one seen."""

    UNKNOWN = 0  # no such extension / nothing happened
    HANGUP = 1
    RINGING = 3  # rang until the Originate's Timeout: nobody answered
    ANSWER = 4  # an answered originate
    BUSY = 5
    CONGESTION = 8


ORIGINATE_OUTCOMES = {
    ControlFrame.ANSWER: OriginateOutcome.ANSWERED,
    ControlFrame.BUSY: OriginateOutcome.BUSY,
    ControlFrame.RINGING: OriginateOutcome.NO_ANSWER,
    ControlFrame.CONGESTION: OriginateOutcome.CONGESTION,
    ControlFrame.HANGUP: OriginateOutcome.FAILED,
    ControlFrame.UNKNOWN: OriginateOutcome.FAILED,
}

DIAL_ANSWERED = "ANSWER"  # DialEnd DialStatus of a dialled party who picked up

# DialEnd DialStatus → how the dialled party ended up.
DIAL_OUTCOMES = {
    DIAL_ANSWERED: OriginateOutcome.ANSWERED,
    "BUSY": OriginateOutcome.BUSY,
    "NOANSWER": OriginateOutcome.NO_ANSWER,
    "CANCEL": OriginateOutcome.NO_ANSWER,  # the caller gave up while it rang
    "CONGESTION": OriginateOutcome.CONGESTION,
    "CHANUNAVAIL": OriginateOutcome.FAILED,
    "DONTCALL": OriginateOutcome.FAILED,
    "TORTURE": OriginateOutcome.FAILED,
    "INVALIDARGS": OriginateOutcome.FAILED,
}


class Cause(enum.IntEnum):
    """Q.850 hangup causes seen in the recordings."""

    UNKNOWN = 0
    NORMAL_CLEARING = 16
    USER_BUSY = 17
    NO_ANSWER = 19  # user alerting, no answer
    ANSWERED_ELSEWHERE = 26
    CONGESTION = 34


CAUSE_OUTCOMES = {
    Cause.USER_BUSY: OriginateOutcome.BUSY,
    Cause.NO_ANSWER: OriginateOutcome.NO_ANSWER,
    Cause.CONGESTION: OriginateOutcome.CONGESTION,
}

DIAL_APPLICATION = "dial"  # an Originate running Dial: the answered phone dials its argument
SPY_APPLICATION = "chanspy"  # an Originate running ChanSpy makes a listener, not a call

QUEUESTATUS = "QUEUESTATUS"  # VarSet Queue() leaves behind: TIMEOUT, FULL, … (tells a timeout from an abandon)
MIXMONITOR_FILENAME = "MIXMONITOR_FILENAME"  # VarSet MixMonitor leaves behind: the recording's file
