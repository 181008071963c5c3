"""Handover and report errors, each with the code the gateway and the agent see."""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, InvalidInput, NotFound


class InvalidHandover(InvalidInput):
    code = "invalid_handover"


class HandoverNotFound(NotFound):
    code = "handover_not_found"


class HandoverAcknowledged(DomainError):
    code = "handover_already_acknowledged"


class SamePerson(Forbidden):
    """The next shift's duty lead acknowledges: never whoever handed over."""

    code = "same_person"


class RoleRequired(Forbidden):
    code = "role_required"


class FormNotFound(NotFound):
    code = "refund_form_not_found"


class WrongState(DomainError):
    """The month's statistics are not in the state this decision needs."""

    code = "wrong_state"


class MonthNotOver(DomainError):
    code = "month_not_over"


class StatisticsNotFound(NotFound):
    code = "statistics_not_found"
