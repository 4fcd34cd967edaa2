"""Pure routing rules: which queue a call or an application goes to (no I/O, no clock)."""

from .errors import RoutingError, RuleSetError
from .rules import (
    ApplicationType,
    RuleSet,
    default_rules,
    load_rules,
    parse_rules,
    route_application,
    route_call,
)
from .values import (
    DEFAULT_TARGETS,
    INDIVIDUAL,
    NO_WRAP_UP,
    ORGANISATION,
    CallFacts,
    QueueLoad,
    QueueTargets,
    RoutingDecision,
    WrapUp,
)

__all__ = [
    "DEFAULT_TARGETS",
    "INDIVIDUAL",
    "NO_WRAP_UP",
    "ORGANISATION",
    "ApplicationType",
    "CallFacts",
    "QueueLoad",
    "QueueTargets",
    "RoutingDecision",
    "RoutingError",
    "RuleSet",
    "RuleSetError",
    "WrapUp",
    "default_rules",
    "load_rules",
    "parse_rules",
    "route_application",
    "route_call",
]
