"""Effects handed to after_commit are made once the owner's transaction committed."""

from __future__ import annotations

from shared.db.after_commit import after_commit, collected, kept, made


def test_without_an_owner_an_effect_is_made_at_once() -> None:
    done: list[str] = []
    after_commit(lambda: done.append("x"))
    assert done == ["x"]


def test_an_owner_makes_its_effects_only_when_it_says() -> None:
    done: list[str] = []
    with collected() as effects:
        after_commit(lambda: done.append("x"))
        assert done == []
    assert done == []  # rolled back: the owner drops them
    made(effects)
    assert done == ["x"]


def test_a_released_savepoint_hands_its_effects_to_the_transaction_around_it() -> None:
    done: list[str] = []
    with collected() as outer:
        with collected() as kept_one:
            after_commit(lambda: done.append("kept"))
        kept(kept_one)
        with collected():  # rolled back: never made
            after_commit(lambda: done.append("dropped"))
    assert done == []
    made(outer)
    assert done == ["kept"]
