"""The workstation's exception family: what an operator asked cannot be done, with a reason to show."""


class WorkstationError(Exception):
    pass
