"""Who may do what in the bike-rental back office (DOMAIN.md's roles table, seed 001).

One table for both sides: the gateway's route table lets these roles through, and the
rental service asks the same table when it offers an action (``actions``) and when it
accepts the command, so a button shown is a command accepted. Pure data: the rental
domain imports it.
"""

from __future__ import annotations

AGENT = "agent"
DUTY_LEAD = "duty_lead"
OPS_SUPERVISOR = "ops_supervisor"

FRONT_LINE = frozenset({AGENT, DUTY_LEAD})
READERS = FRONT_LINE | {OPS_SUPERVISOR}
"""Who reads users, orders, bikes, feedback, the guide and the daily figures."""

WHO_MAY: dict[str, frozenset[str]] = {
    # fixing a stuck rental and the blacklist are the agent's everyday rights
    "status_fix": FRONT_LINE,
    "exception_fix": FRONT_LINE,
    "blacklist": FRONT_LINE,
    "restore_from_blacklist": FRONT_LINE,
    # soft delete, a step past the agent's listed rights, is the duty lead's
    "delete": frozenset({DUTY_LEAD}),
    "restore": frozenset({DUTY_LEAD}),
    "accept": FRONT_LINE,
    "reject": FRONT_LINE,
    # the guide, rarely changed (seed 001: 切勿随意修改)
    "edit_guide": frozenset({DUTY_LEAD, OPS_SUPERVISOR}),
    # accounts (seed 004): the counter tops up and asks for refunds; changing a deposit is
    # a high-privilege action (seed 001 2.3: 建议该权限由运营主管进行把控)
    "top_up": FRONT_LINE,
    "refund_deposit": FRONT_LINE,
    "refund_stored_value": FRONT_LINE,
    "change_card_state": READERS,
    "change_deposit": frozenset({OPS_SUPERVISOR}),
}
