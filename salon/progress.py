"""A progress bar for long operator commands (`salon embed`): done/total, rate and time
left on stderr. On a terminal it redraws one line; elsewhere (a log, CI) it prints a plain
line at most every `every` seconds, so logs stay readable."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30  # characters of the bar itself


def _duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    def __init__(self, total: int, unit: str, stream: TextIO | None = None,
                 every: float = 5.0) -> None:
        self.total, self.unit = total, unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self.done = 0
        self.started = time.perf_counter()
        self._shown = 0.0

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate
        left = (self.total - self.done) / rate if rate and self.total >= self.done else 0
        share = self.done / self.total if self.total else 1.0
        bar = ("#" * int(WIDTH * min(share, 1.0))).ljust(WIDTH, ".")
        return (f"[{bar}] {self.done:,}/{self.total:,} {self.unit} {share:4.0%}  "
                f"{rate:,.1f} {self.unit}/s  ETA {_duration(left)}")

    def advance(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if self.tty:
            self.stream.write("\r" + self.line())
            self.stream.flush()
        elif now - self._shown >= self.every:
            self._shown = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """The final state, on a line of its own."""
        self.stream.write(("\r" if self.tty else "") + self.line() + "\n")
        self.stream.flush()
