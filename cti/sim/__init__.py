"""A simulated Asterisk 22 speaking AMI over TCP (and FastAGI as a client)."""

from .config import MemberConfig, QueueConfig, SimConfig
from .simulator import PbxSimulator

__all__ = ["MemberConfig", "PbxSimulator", "QueueConfig", "SimConfig"]
