"""Admission control: the bound holds, a refusal is a clear 503, and slots come back."""

from __future__ import annotations

import pytest

from shared.admission import Admission, Busy


def test_admits_up_to_the_bound_then_refuses_busy() -> None:
    admission = Admission("reversals", 2)
    with admission.admit(), admission.admit():
        assert admission.in_flight == 2
        with pytest.raises(Busy) as refused, admission.admit():
            pass
        assert (refused.value.status, refused.value.code) == (503, "busy")
        assert refused.value.retryable
    assert (admission.in_flight, admission.refused) == (0, 1)


def test_a_failing_command_gives_its_slot_back() -> None:
    admission = Admission("voids", 1)
    with pytest.raises(RuntimeError), admission.admit():
        raise RuntimeError("issuer away")
    with admission.admit():
        assert admission.in_flight == 1


def test_a_bound_below_one_is_a_mistake() -> None:
    with pytest.raises(ValueError):
        Admission("nothing", 0)
