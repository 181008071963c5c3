"""The ``kefu`` command. Each subcommand lives in its own module; this only dispatches."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from shared.ops.commands import COMMANDS as OPS_COMMANDS
from shared.ops.commands import add_commands as add_ops_commands


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kefu",
        description="Kefu (客服): the customer-service back office. Settings come from KEFU_*"
        " environment variables (see README.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "up",
        help="run everything on this machine until Ctrl-C",
        description="Start PostgreSQL (embedded unless KEFU_DATABASE_URL is set), the Kafka"
        " broker (embedded Tansu unless KEFU_KAFKA_BOOTSTRAP is set), the topics, and every"
        " service as its own process; print the gateway URL and the demo accounts; restart a"
        " service that dies; stop everything on Ctrl-C or SIGTERM.",
    )
    demo = commands.add_parser(
        "demo",
        help="fill every screen of the running stack with sample data",
        description="Publish the platforms' events over Kafka (exchange orders, bike users,"
        " trips, payments, feedback) and do the staff's work through the gateway as the demo"
        " accounts (reversals, top-ups, refund forms at each step, after-sales tickets,"
        " announcements). Deterministic for a seed: running it again changes nothing. It"
        " finds the running stack through KEFU_HOME/stack.env and ends with five things to"
        " try.",
    )
    demo.add_argument("--orders", type=int, default=200, help="exchange orders (default 200)")
    demo.add_argument("--seed", type=int, default=2018, help="random seed (default 2018)")
    asyncapi = commands.add_parser(
        "asyncapi",
        help="print the AsyncAPI document of every topic",
        description="Print the AsyncAPI 3.0 document (YAML) generated from shared/contracts.",
    )
    asyncapi.add_argument("-o", "--output", type=Path, help="write to this file instead")
    asyncapi.add_argument(
        "--snapshots",
        type=Path,
        help="also record each topic's schema in this folder (docs/contracts), refused while"
        " a change would break a topic's consumers or producers",
    )
    add_ops_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "asyncapi":
        from shared.contracts import TOPICS
        from shared.contracts.asyncapi import asyncapi_yaml
        from shared.contracts.compat import write_snapshots

        refused = write_snapshots(TOPICS, args.snapshots) if args.snapshots else []
        for problem in refused:
            sys.stderr.write(f"kefu asyncapi: {problem}\n")
        if refused:
            return 1
        text = asyncapi_yaml()
        if args.output is not None:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    from shared.settings import Settings

    if args.command != "up":  # `kefu up` starts a stack; every other command uses the running one
        import os

        from shared.devstack.stack_env import load_stack_env

        load_stack_env(os.environ)
    settings = Settings()
    if args.command == "up":
        from shared.devstack.up import run_up

        return run_up(settings)
    if args.command == "demo":
        from shared.devstack.demo import run_demo

        if args.orders < 6:
            print("kefu demo: --orders must be at least 6", file=sys.stderr)
            return 2
        return run_demo(settings, orders=args.orders, seed=args.seed)
    if args.command in OPS_COMMANDS:
        import asyncio

        from shared.ops.commands import run as run_ops

        return asyncio.run(run_ops(args, settings))
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
