"""Run a command pinned to given CPUs at a given niceness, or burn a CPU: the starved-generator self-test.

``python -m load.pinned --cpus 0 --nice 19 -- python -m locust ...`` sets the affinity and niceness, then
execs the command (same pid, so the CPU monitor watches the real Locust process).
``python -m load.pinned --cpus 0 --hog`` spins on CPU 0 until it is stopped.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.pinned")
    parser.add_argument("--cpus", required=True, help="comma-separated CPU numbers, e.g. 0")
    parser.add_argument("--nice", type=int, default=0)
    parser.add_argument("--hog", action="store_true", help="spin on the CPUs instead of running a command")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cpus = {int(c) for c in args.cpus.split(",")}
    os.sched_setaffinity(0, cpus)
    if args.nice:
        os.nice(args.nice)
    if args.hog:
        while True:  # the hog's whole job is to keep its CPU busy until it is stopped
            pass
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("a command is needed after --")
    os.execvp(command[0], command)  # noqa: S606 - argv is built by the harness, never by a shell
    return 1  # not reached: exec replaces this process


if __name__ == "__main__":
    sys.exit(main())
