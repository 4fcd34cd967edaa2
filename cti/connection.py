"""panoramisk glue: a Manager that never reconnects or re-sends by itself, and
a protocol that frames with our fast parser and hands every frame, in wire
order, to one sink (the client's inbox).

Why not stock panoramisk: its callbacks are fire-and-forget (order lost), it
re-sends unanswered actions after FullyBooted (an Originate would dial twice),
its reconnect cannot be cancelled by close(), and its Message parsing is the
slowest part of the hot path. Action/response matching stays panoramisk's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from .frames import Frame, FrameParser
from .tracker import unread_frame

log = logging.getLogger(__name__)

FrameSink = Callable[[list[Frame], datetime], None]


class _Everything:
    """``forgetable_actions`` that contains every action: nothing is re-sent."""

    def __contains__(self, item: object) -> bool:
        return True


class BridgeProtocol(AMIProtocol):  # type: ignore[misc]
    sink: FrameSink
    clock: Callable[[], datetime]
    on_lost: Callable[[Exception | None], None]

    def connection_made(self, transport):  # type: ignore[no-untyped-def]
        super().connection_made(transport)
        self.parser = FrameParser(skip=unread_frame)  # the tracker is the only reader of events
        self.malformed = 0

    def data_received(self, data: bytes) -> None:
        at = self.clock()
        frames = self.parser.feed(data)
        if self.version is None and self.parser.banner:  # type: ignore[has-type]  # set by panoramisk
            self.version = self.parser.banner.partition("/")[2]
        good: list[Frame] = []
        for frame in frames:
            if "Event" not in frame and "Response" not in frame:
                self.malformed += 1
                log.warning("skipping malformed AMI frame with headers %s", list(frame)[:5])
                continue
            good.append(frame)
            if "ActionID" in frame:  # a response or a list item: panoramisk's job
                try:
                    self.handle_message(_to_message(frame))
                except Exception:  # a bad response must never stop the reader
                    log.exception("could not match AMI response %s", frame.get("ActionID"))
        if good:
            self.sink(good, at)

    def handle_message(self, message: Message) -> None:
        response = self.responses.get(message.id)
        if response is None and message.action_id:
            response = self.responses.get(message.action_id)
        if response is not None and response.add_message(message):
            self.responses.pop(response.id, None)
            if response.action_id:
                self.responses.pop(response.action_id, None)
        # events are delivered through the sink, never through dispatch()

    def connection_lost(self, exc: Exception | None) -> None:
        was_open = not self.closed
        if was_open:
            self.close()
        self.on_lost(exc)


def _to_message(frame: Frame) -> Message:
    headers: dict[str, object] = {}
    for key, value in frame.items():
        values = frame.getall(key) if frame.repeats and key in frame.repeats else None
        headers[key] = values if values else value
    return Message(headers)


class BridgeManager(Manager):  # type: ignore[misc]
    """Manager used only for sending actions and matching their responses."""

    def __init__(self, **config: object) -> None:
        super().__init__(forgetable_actions=_Everything(), ping_delay=0, **config)

    def attach(self, protocol: BridgeProtocol) -> None:
        self.protocol = protocol
        protocol.factory = self
        protocol.log = log
        protocol.encoding = self.encoding = "utf8"
        self.responses = protocol.responses = {}

    def connection_lost(self, exc: Exception | None) -> None:  # no auto-reconnect
        self._connected = False
