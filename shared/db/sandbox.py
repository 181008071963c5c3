"""How a sandbox stand-in for an outside system commits its own call.

The sandbox lottery issuer (``sandbox_issuer.void_in_order``) and the sandbox bubble-points
provider (``bubble_refund``) keep their books in the calling service's database, each call
one statement in a transaction of its own, as an outside system would answer a request. In
production neither exists: the outside system keeps its own books on its own servers.

Such a call commits without waiting for its WAL to reach the disk
(``synchronous_commit = off`` for that transaction alone). No answer of it is lost that
anyone acted on: the caller acts on the answer only in a later transaction of its own,
which commits with ``synchronous_commit = on``, and PostgreSQL's WAL is one sequence, so
that commit's flush carries the call's commit with it. A crash before any such flush loses
the call and everything that followed it, as if the request had never arrived; the caller
asks again (the issuer voids again, the provider refunds by the same refund id at most once).
Every transaction of the services themselves still waits for its flush, but the outbox's
marks of what was sent (``shared/messaging/outbox.py``), which a crash can only undo, so that
the rows go again.
"""

from __future__ import annotations

OWN_COMMIT_UNFLUSHED = "set_config('synchronous_commit', 'off', true)"
"""A FROM item for the call's statement: ``SELECT ... FROM <this> AS unflushed, f(...)``.
Local to the statement's own transaction; the function answers at least one row, so it
runs whichever of the two the plan reads first."""
