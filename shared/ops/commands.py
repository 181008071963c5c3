"""The operations subcommands of ``kefu``: ``dlq``, ``saga``, ``replay`` (docs/runbook.md).

The tools' modules are imported when a tool runs, so ``kefu`` starts quickly.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from shared.settings import Settings

if TYPE_CHECKING:
    from shared.ops.dlq import DlqEntry

COMMANDS = ("dlq", "saga", "replay")


def add_commands(commands: Any) -> None:
    """Add the subcommands to ``kefu``'s subparsers."""
    reads = argparse.ArgumentParser(add_help=False)
    reads.add_argument(
        "--wait",
        type=float,
        default=1.5,
        metavar="SECONDS",
        help="a topic quiet this long is read to its end (default 1.5)",
    )
    dlq_cmd = commands.add_parser(
        "dlq",
        help="list, show and redrive dead-lettered messages",
        description="Read the <topic>.dlq topics from the broker (without committing anything)"
        " and put their messages back on the original topic.",
    )
    dlq_sub = dlq_cmd.add_subparsers(dest="dlq_command", required=True, metavar="ACTION")
    listing = dlq_sub.add_parser(
        "list", parents=[reads], help="the messages in the DLQ topics, oldest first"
    )
    listing.add_argument("--topic", help="only this topic's DLQ (the topic or its .dlq name)")
    listing.add_argument("--limit", type=int, default=100, help="per DLQ topic (default 100)")
    show = dlq_sub.add_parser(
        "show", parents=[reads], help="one dead-lettered message: headers and payload"
    )
    show.add_argument("dlq_topic")
    show.add_argument("partition", type=int)
    show.add_argument("offset", type=int)
    again = dlq_sub.add_parser(
        "redrive",
        parents=[reads],
        help="republish DLQ messages to their original topic, once each",
        description="Republish to the original topic with the original key and headers (less"
        " the kefu_dlq_* ones); each redrive is recorded in the kefu_ops database, so a second"
        " run skips what was redriven.",
    )
    again.add_argument("dlq_topic")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--offset",
        action="append",
        type=_partition_offset,
        metavar="PARTITION:OFFSET",
        help="a message to redrive (repeatable)",
    )
    which.add_argument("--all", action="store_true", help="every message of the DLQ topic")
    again.add_argument("--dry-run", action="store_true", help="say what would happen, do nothing")

    saga = commands.add_parser("saga", help="a saga's state and history")
    saga_sub = saga.add_subparsers(dest="saga_command", required=True, metavar="ACTION")
    saga_show = saga_sub.add_parser("show", help="one saga, by its id (or its order number)")
    saga_show.add_argument("service", help="the service running it: voucher")
    saga_show.add_argument("saga_id")
    saga_show.add_argument("--database", help="read kefu_<DATABASE> instead of kefu_<service>")

    rep = commands.add_parser(
        "replay",
        parents=[reads],
        help="re-apply a topic to a service's read model from an offset",
        description="Read the topic from the offset and run the service's own subscription"
        " handlers over it, in this process; the inbox skips what was applied already, so"
        " a replay is safe while the service runs.",
    )
    rep.add_argument("topic")
    rep.add_argument("--service", required=True)
    rep.add_argument("--from-offset", type=int, required=True)
    rep.add_argument("--partition", type=int, help="only this partition (default: all)")
    rep.add_argument("--instance", help="the service's instance name, when not --service")


def _partition_offset(text: str) -> tuple[int, int]:
    partition, sep, offset = text.partition(":")
    if not sep or not partition.isdigit() or not offset.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected PARTITION:OFFSET, e.g. 0:17")
    return int(partition), int(offset)


async def run(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run one ops subcommand; the exit status (1: a server is away, 2: nothing matched)."""
    from aiokafka.errors import KafkaError

    try:
        if args.command == "dlq":
            return await _dlq(args, settings, out)
        if args.command == "saga":
            return await _saga(args, settings, out)
        if args.command == "replay":
            return await _replay(args, settings, out)
    except LookupError as exc:  # an unknown topic, partition, offset, service or saga
        print(f"kefu {args.command}: {exc}", file=sys.stderr)
        return 2
    except (KafkaError, OSError, RuntimeError) as exc:  # RuntimeError: KEFU_DATABASE_URL unset
        print(f"kefu {args.command}: {exc!r}", file=sys.stderr)
        return 1
    raise AssertionError(args.command)


async def _dlq(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from shared.ops import dlq, redrive

    if args.dlq_command == "list":
        entries = await dlq.list_entries(
            settings, args.topic, limit=args.limit, idle_seconds=args.wait
        )
        out.write(render_list(entries))
        return 0
    if args.dlq_command == "show":
        entry = await dlq.find_entry(
            settings, args.dlq_topic, args.partition, args.offset, idle_seconds=args.wait
        )
        if entry is None:
            raise LookupError(f"{args.dlq_topic} has no message at {args.partition}:{args.offset}")
        out.write(render_entry(entry))
        return 0
    if args.dlq_command == "redrive":
        done = await redrive.redrive(
            settings,
            dlq.dlq_name(args.dlq_topic),
            offsets=None if args.all else set(args.offset),
            dry_run=args.dry_run,
            idle_seconds=args.wait,
        )
        for r in done:
            e = r.entry
            out.write(
                f"{r.outcome:<17} {e.dlq_topic} {e.partition}:{e.offset} -> {e.original_topic}"
                f" key={e.key_text} ce_id={e.ce_id}\n"
            )
        counts = {o: sum(r.outcome == o for r in done) for o in sorted({r.outcome for r in done})}
        out.write(f"{len(done)} messages: {counts or 'none'}\n")
        return 0
    raise AssertionError(args.dlq_command)


async def _saga(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from shared.ops import sagas

    view = await sagas.find_saga(settings, args.service, args.saga_id, database=args.database)
    if view is None:
        raise LookupError(f"no {args.service} saga {args.saga_id}")
    out.write(sagas.render(view))
    return 0


async def _replay(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from shared.ops import replay

    reports = await replay.replay_into_service(
        settings,
        args.service,
        args.topic,
        from_offset=args.from_offset,
        partition=args.partition,
        instance=args.instance,
        idle_seconds=args.wait,
    )
    for consumer, r in reports.items():
        out.write(
            f"{consumer}: read {r.read}, already applied {r.already_applied},"
            f" applied now {r.applied}, not applied (parked or DLQ'd) {r.not_applied}\n"
        )
    return 0


def render_list(entries: list[DlqEntry]) -> str:
    lines = [f"{'DLQ TOPIC':<36} {'P:OFFSET':<9} {'KEY':<24} {'REASON':<22} ORIGINAL / ERROR"]
    for e in entries:
        origin = (
            f"{e.original_topic}:{e.decoded.get('kefu_dlq_partition', '?')}"
            f":{e.decoded.get('kefu_dlq_offset', '?')}"
        )
        lines.append(
            f"{e.dlq_topic:<36} {f'{e.partition}:{e.offset}':<9} {e.key_text[:24]:<24}"
            f" {e.reason[:22]:<22} {origin} {e.error[:120]!r}"
        )
    lines.append(f"{len(entries)} messages")
    return "\n".join(lines) + "\n"


def render_entry(e: DlqEntry) -> str:
    lines = [f"{e.dlq_topic} partition {e.partition} offset {e.offset}", f"key: {e.key_text}"]
    lines.append("headers:")
    lines += [f"  {k}: {v}" for k, v in e.decoded.items()]
    try:
        body = json.dumps(json.loads(e.value), ensure_ascii=False, indent=2)
    except ValueError:
        body = e.value.decode("utf-8", "replace")
    lines += ["payload:", body]
    return "\n".join(lines) + "\n"
