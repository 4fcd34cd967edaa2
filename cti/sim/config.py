"""Configuration of the PBX simulator (frozen; timings in seconds, all tunable
so tests can run a whole call in a fraction of a second)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberConfig:
    interface: str  # PJSIP/1001
    name: str
    bot: bool = True  # a simulated operator that answers by itself
    reachable: bool = True  # an unreachable phone never rings (s2 transcript)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueConfig:
    name: str
    members: tuple[MemberConfig, ...] = ()
    strategy: str = "rrmemory"
    timeout: float = 60.0  # Queue(name,,,,timeout): the caller leaves with TIMEOUT
    ring_timeout: float = 15.0  # queues.conf timeout: ring one member that long
    retry: float = 5.0  # queues.conf retry: pause before ringing again
    wrapuptime: float = 0.0  # queues.conf wrapuptime: a member rests this long after a call (s8)


def _default_queues() -> tuple[QueueConfig, ...]:
    def bots(prefix: int, names: tuple[str, ...]) -> tuple[MemberConfig, ...]:
        return tuple(MemberConfig(interface=f"PJSIP/{prefix + i}", name=n) for i, n in enumerate(names))

    return (
        QueueConfig(name="support", members=bots(2001, ("Anna Bot", "Boris Bot", "Vera Bot"))),
        QueueConfig(name="billing", members=bots(2101, ("Gleb Bot", "Daria Bot"))),
        QueueConfig(name="debt", members=bots(2201, ("Egor Bot", "Zoya Bot"))),
        QueueConfig(name="vip", members=bots(2301, ("Ilya Bot",))),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SimConfig:
    host: str = "127.0.0.1"
    port: int = 5038  # 0 = pick a free port (see PbxSimulator.port)
    username: str = "ccdesk"
    secret: str = field(default="ccdesk", repr=False)
    system_name: str = ""  # set → SystemName header and prefixed Uniqueids
    queues: tuple[QueueConfig, ...] = field(default_factory=_default_queues)
    trunk: str = "trunk"
    did_queues: tuple[tuple[str, str], ...] = (
        ("88005550100", "support"),
        ("88005550101", "billing"),
        ("88005550102", "vip"),
    )
    # traffic generator (0 = no generated traffic)
    calls_per_minute: float = 0.0
    abandon_patience: tuple[float, float] = (20.0, 120.0)  # caller gives up after U(a, b)
    talk_time: tuple[float, float] = (20.0, 180.0)
    agent_answer_delay: float = 2.0  # bots and auto-answer phones
    operator_answer_delay: float | None = None  # QueueAdd'ed phones; None = answer() only
    answer_wait: float = 0.5  # Answer() waits for media before the next app (gotcha 18)
    outbound_answer_delay: float = 3.0
    outbound_answer_ratio: float = 0.6
    outbound_busy_ratio: float = 0.15
    outbound_no_answer_ratio: float = 0.2  # the rest is congestion
    outbound_timeout: float = 30.0  # default Originate Timeout when none is given
    # the dialer's customer side: a share of answers that are answering machines (AMD() in [dialer] hangs them
    # up before the queue), ring time before an answer drawn from a range (None: outbound_answer_delay), and
    # how long the recorded message of [dialer-abandon] plays before the hang-up
    outbound_machine_ratio: float = 0.0
    outbound_ring_time: tuple[float, float] | None = None
    abandon_message_seconds: float = 0.5
    ivr_share: float = 0.0  # share of generated inbound calls that go through the IVR
    agi_address: str | None = None  # "host:port" of the FastAGI server
    rtcp_interval: float = 5.0
    login_failure_delay: float = 1.0  # Asterisk waits ~1 s before "Authentication failed"
    # features.conf atxfernoanswertimeout: an unanswered consultation gives the caller back (s7b)
    atxfer_noanswer_timeout: float = 15.0
    # [agents] internal numbers → phone (Atxfer/BlindTransfer to EXT@agents); unlisted digits mean PJSIP/<digits>
    extensions: tuple[tuple[str, str], ...] = ()
    # phones that are no queue member (supervisors, back office): they can be originated to and dial out
    phones: tuple[MemberConfig, ...] = ()
    dial_timeout: float = 30.0  # [agents-out] Dial(PJSIP/<number>@trunk,30)
    # share of generated traffic that is a bot dialling out from its desk phone instead of an inbound call
    dial_out_share: float = 0.05
    seed: int | None = None
