"""Progress messages on stderr, silenced by --quiet."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager


class Progress:
    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.timings: dict[str, float] = {}

    def note(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def warn(self, message: str) -> None:
        """Print a message that --quiet does not silence: something the user must know."""
        print(f"Warning: {message}", file=sys.stderr, flush=True)

    @contextmanager
    def step(self, name: str):
        """Time a step of the run, announcing it when it starts and ends."""
        self.note(f"{name} ...")
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings[name] = elapsed
        self.note(f"{name}: done in {elapsed:.1f} s")
