"""The reversal saga's transitions: every path of the seed, and what never happens."""

from __future__ import annotations

import uuid

import pytest

from services.voucher.domain.model import Failure, OperationStatus
from services.voucher.domain.saga import (
    InvalidTransition,
    ReversalSaga,
    SagaState,
    saga_id_of_refund,
)
from shared.errors import DomainError

SAGA_ID = uuid.UUID("6f1c1a52-5b7e-4c86-9a52-0c6c2a3f1e01")


def started() -> ReversalSaga:
    return ReversalSaga.start(SAGA_ID, "M1").after


def refund_requested() -> ReversalSaga:
    return started().vouchers_voided().after


def test_start_is_voiding_and_pending() -> None:
    step = ReversalSaga.start(SAGA_ID, "M1")
    assert step.before is None and step.event == "started"
    saga = step.after
    assert saga.state is SagaState.VOIDING and saga.attempt == 1 and saga.refund_attempt == 0
    assert saga.operation_status is OperationStatus.PENDING and not saga.finished


def test_happy_path() -> None:
    step = started().vouchers_voided()
    assert step.after.state is SagaState.REFUND_REQUESTED and step.after.refund_attempt == 1
    assert step.requests_refund
    done = step.after.refund_answered(succeeded=True, attempt=1)
    assert done is not None and done.after.state is SagaState.SUCCEEDED
    assert done.after.operation_status is OperationStatus.SUCCEEDED and done.after.finished


def test_refund_id_is_stable_and_maps_back() -> None:
    saga = refund_requested()
    again = saga.refund_overdue().after
    assert saga.refund_id == again.refund_id == f"{SAGA_ID}-refund"
    assert saga_id_of_refund(saga.refund_id) == SAGA_ID


@pytest.mark.parametrize(
    "refund_id", ["", "refund", "abc-refund", f"{SAGA_ID}-other", str(SAGA_ID)]
)
def test_foreign_refund_ids_map_to_no_saga(refund_id) -> None:
    assert saga_id_of_refund(refund_id) is None


def test_void_failure_then_resume_voids_again_on_a_new_attempt() -> None:
    failed = started().void_failed().after
    assert (failed.state, failed.failure) == (SagaState.FAILED, Failure.VOID_FAILED)
    assert failed.operation_status is OperationStatus.FAILED and failed.retryable
    resumed = failed.resume()
    assert resumed.after.state is SagaState.VOIDING and resumed.after.failure is None
    assert resumed.after.attempt == 2 and resumed.after.refund_attempt == 0
    assert not resumed.requests_refund


def test_refund_failure_then_resume_asks_again_with_the_same_refund_id() -> None:
    saga = refund_requested()
    failed = saga.refund_answered(succeeded=False, attempt=1)
    assert failed is not None
    assert failed.after.failure is Failure.POINTS_REFUND_FAILED and failed.after.retryable
    resumed = failed.after.resume()
    assert resumed.after.state is SagaState.REFUND_REQUESTED and resumed.requests_refund
    assert (resumed.after.attempt, resumed.after.refund_attempt) == (2, 2)
    assert resumed.after.refund_id == saga.refund_id


def test_a_used_voucher_is_final() -> None:
    failed = started().voucher_used().after
    assert failed.failure is Failure.VOUCHER_USED and not failed.retryable
    with pytest.raises(DomainError) as caught:
        failed.resume()
    assert caught.value.code == "not_retryable"


@pytest.mark.parametrize("saga", [started(), refund_requested()])
def test_only_failed_sagas_resume(saga) -> None:
    with pytest.raises(DomainError):
        saga.resume()


def test_overdue_answer_asks_again() -> None:
    step = refund_requested().refund_overdue()
    assert step.after.refund_attempt == 2 and step.after.state is SagaState.REFUND_REQUESTED
    assert step.requests_refund


def test_repeated_and_late_answers_change_nothing() -> None:
    saga = refund_requested()
    done = saga.refund_answered(succeeded=True, attempt=1)
    assert done is not None
    assert done.after.refund_answered(succeeded=True, attempt=1) is None
    assert done.after.refund_answered(succeeded=False, attempt=1) is None


def test_a_stale_failure_is_ignored_while_a_newer_request_is_out() -> None:
    saga = refund_requested().refund_overdue().after  # attempt 2 in flight
    assert saga.refund_answered(succeeded=False, attempt=1) is None
    failed = saga.refund_answered(succeeded=False, attempt=2)
    assert failed is not None and failed.after.state is SagaState.FAILED


def test_a_late_success_wins_over_a_refund_failure() -> None:
    failed = refund_requested().refund_answered(succeeded=False, attempt=1)
    assert failed is not None
    late = failed.after.refund_answered(succeeded=True, attempt=1)
    assert late is not None and late.after.state is SagaState.SUCCEEDED
    assert late.after.failure is None


def test_answers_do_not_move_a_voiding_or_void_failed_saga() -> None:
    assert started().refund_answered(succeeded=True, attempt=1) is None
    assert started().void_failed().after.refund_answered(succeeded=True, attempt=1) is None


@pytest.mark.parametrize(
    "move",
    [
        lambda s: s.vouchers_voided(),
        lambda s: s.void_failed(),
        lambda s: s.voucher_used(),
    ],
)
def test_void_step_transitions_need_a_voiding_saga(move) -> None:
    with pytest.raises(InvalidTransition):
        move(refund_requested())


def test_refund_overdue_needs_an_open_request() -> None:
    with pytest.raises(InvalidTransition):
        started().refund_overdue()


def test_transitions_never_mutate() -> None:
    saga = started()
    saga.vouchers_voided()
    assert saga.state is SagaState.VOIDING and saga.refund_attempt == 0
