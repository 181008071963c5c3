"""The fault suite's figures per fault, and their table in bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "RESULTS.md"
BEGIN, END = "<!-- fault-suite:begin -->", "<!-- fault-suite:end -->"


@dataclass(frozen=True)
class Figures:
    fault: str
    accepted: int
    finished: int
    stuck: int
    refused: int
    top_ups: int
    top_ups_done: int
    top_ups_unanswered: int
    top_ups_refused: int
    top_up_first_s: float | None
    """From the kill to the first top-up sent after it being done."""
    payouts: int
    """Refund approvals sent (a stored-value refund each, paid by the refund service)."""
    payouts_paid: int
    """Of those accepted, the ones that ended ``completed`` (paid)."""
    payouts_stuck: int
    """Accepted and not at a final state within the bound."""
    first_accepted_s: float | None
    """From the kill to the first command sent after it being accepted (maybe pending)."""
    first_success_s: float | None
    """From the kill to the first command sent after it reaching ``succeeded``."""
    backlog_finished_s: float | None
    """From the kill until every command sent before the first new success (those the
    fault caught) has reached its final state."""
    all_finished_s: float | None
    """From the kill to the last accepted command reaching its final state (the stream
    goes on after the kill, so this includes its rest)."""
    moved_twice: int
    money_lost: int
    notices_lost: int
    provider_asked_again: int
    """Refund ids the points provider was asked for more than once (it is idempotent:
    it answers "applied" without moving points again)."""


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(rows: list[Figures]) -> str:
    lines = [
        "| fault (kill -9) | reversals accepted | finished | stuck | refused"
        " | top-ups sent | done | unanswered | first top-up done (s)"
        " | payouts approved | paid | stuck | first accepted (s)"
        " | first new success (s) | caught by the fault, all finished (s)"
        " | all finished (s) | money moved twice | money lost | notices lost"
        " | provider asked again |",
        "| --- |" + " ---: |" * 19,
    ]
    for f in rows:
        lines.append(
            f"| {f.fault} | {f.accepted} | {f.finished} | {f.stuck} | {f.refused}"
            f" | {f.top_ups} | {f.top_ups_done} | {f.top_ups_unanswered} | {_s(f.top_up_first_s)}"
            f" | {f.payouts} | {f.payouts_paid} | {f.payouts_stuck}"
            f" | {_s(f.first_accepted_s)} | {_s(f.first_success_s)}"
            f" | {_s(f.backlog_finished_s)} | {_s(f.all_finished_s)}"
            f" | {f.moved_twice} | {f.money_lost} | {f.notices_lost} | {f.provider_asked_again} |"
        )
    return "\n".join(lines)


def write_results(rows: list[Figures], *, to_file: bool) -> str:
    """The table; with ``to_file`` also written into bench/RESULTS.md between the markers."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()
    body = (
        f"Measured by `make faults` on {stamp} ({platform.machine()}, {os.cpu_count()} cores"
        f" shared with other work: load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        " at the end): a stream of order reversals from agents, and of rental counter"
        " top-ups from a duty lead, each retried with the same Idempotency-Key, while each"
        " part is killed in turn (SIGKILL; `kefu up`'s supervisor restarts it). Times are"
        " from the kill, polled every 0.5 s. Reversals: accepted is a 200 or 202 answer,"
        " finished its operation's final state; first accepted / first new success count"
        " reversals sent after the kill; caught by the fault: the reversals sent before the"
        " first new success. Top-ups: one per customer (identity checked before), done when"
        " answered 201. Payouts: stored-value refunds requested as rental asks for them, each"
        " approved by an operations supervisor (Idempotency-Key) and paid by the refund"
        " service's worker; paid when it ends completed. Money: points movements per reversed"
        " order (the sandbox provider's ledger), each top-up customer's balance and count of"
        " top-ups, each approved refund's payouts in the payment sandbox's ledger (one, of the"
        " amount, at the account the request recorded). Notices: each"
        " customer's in-app points-refunded message. Provider asked again: refund ids the"
        " points provider was asked for twice (it is idempotent: it moves nothing again)."
        "\n\n" + table(rows)
    )
    if to_file:
        text = RESULTS.read_text(encoding="utf-8")
        if BEGIN in text:
            head, rest = text.split(BEGIN, 1)
            tail = rest.split(END, 1)[1]
            text = f"{head}{BEGIN}\n{body}\n{END}{tail}"
        else:
            text += f"\n## Faults: recovery per part killed\n\n{BEGIN}\n{body}\n{END}\n"
        RESULTS.write_text(text, encoding="utf-8")
    return body
