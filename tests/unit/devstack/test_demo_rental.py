"""The bike platform's part of the demo: deterministic, valid on the wire, every trip state."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from shared.contracts import TripEnded, TripStarted
from shared.devstack.demo.publish import ce_id_of
from shared.devstack.demo.rental import build_rental

TZ = ZoneInfo("Asia/Shanghai")


def test_the_same_seed_gives_the_same_events_and_ids_on_any_day() -> None:
    a = build_rental(seed=2018, today=date(2026, 12, 6), tz=TZ)
    b = build_rental(seed=2018, today=date(2026, 12, 6), tz=TZ)
    later = build_rental(seed=2018, today=date(2027, 3, 1), tz=TZ)
    assert [ce_id_of(e.topic, e.payload) for e in a.events] == [
        ce_id_of(e.topic, e.payload) for e in b.events
    ]
    ids = [(u.user_id, u.phone) for u in a.users]
    assert ids == [(u.user_id, u.phone) for u in later.users]  # what the README names
    assert len({ce_id_of(e.topic, e.payload) for e in a.events}) == len(a.events)


def test_trips_in_every_state_and_events_that_survive_the_wire() -> None:
    sample = build_rental(seed=2018, today=date(2026, 12, 6), tz=TZ)
    for event in sample.events:
        contract = type(event.payload)
        assert contract.model_validate_json(event.payload.model_dump_json()) == event.payload
    started = {e.payload.trip_id for e in sample.events if isinstance(e.payload, TripStarted)}
    ended = [e.payload for e in sample.events if isinstance(e.payload, TripEnded)]
    assert len(started - {t.trip_id for t in ended}) == 1  # one still riding
    outside = [t for t in ended if t.end_point is None]
    assert len(outside) == 2  # one the agent fixes, one left as it is
    assert sample.riding and sample.temporary_trip in outside
