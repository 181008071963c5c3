"""What one wake-up of an otherwise idle process costs on this machine.

``python -m bench.wake_cost [--seconds 20]``: an asyncio loop that does nothing but sleep
and wake, at a few rates, each for ``--seconds``; it prints the CPU time charged to the
process per wake-up and as a share of one core. Nothing is done per wake, so what it
prints is the machine's price of waking (the event loop's turn, the timer, the kernel and,
on a virtual machine, bringing a halted virtual CPU back), which is what an idle stack pays
for each of the wake-ups that ``bench.idle`` counts. Read ``bench.idle``'s CPU figure with
it: the same wake-ups cost more on a machine whose cores are otherwise asleep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

RATES = (1.0, 6.0, 30.0, 100.0)


async def _wake(per_second: float, seconds: float) -> float:
    """CPU seconds this process spent over ``seconds`` of waking ``per_second`` times."""
    started = time.process_time()
    for _ in range(round(per_second * seconds)):
        await asyncio.sleep(1 / per_second)  # the wake-up is the thing measured
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per rate")
    args = parser.parse_args()
    print("| wake-ups/s | CPU ms per wake-up | % of one core |")
    print("| ---: | ---: | ---: |")
    for rate in RATES:
        cpu = asyncio.run(_wake(rate, args.seconds))
        wakes = rate * args.seconds
        print(f"| {rate:g} | {1000 * cpu / wakes:.2f} | {100 * cpu / args.seconds:.2f} |")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average (1/5/15 min) at the end: {load}")


if __name__ == "__main__":
    main()
