"""Operations tools behind the ``kefu`` command: DLQ, sagas, replay (see docs/runbook.md)."""
