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
from .values import INDIVIDUAL, ORGANISATION, CallFacts, QueueLoad, RoutingDecision

__all__ = [
    "INDIVIDUAL",
    "ORGANISATION",
    "ApplicationType",
    "CallFacts",
    "QueueLoad",
    "RoutingDecision",
    "RoutingError",
    "RuleSet",
    "RuleSetError",
    "default_rules",
    "load_rules",
    "parse_rules",
    "route_application",
    "route_call",
]
