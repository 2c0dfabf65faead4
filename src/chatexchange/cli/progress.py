"""A progress display for long imports: a redrawn bar on a terminal, plain lines in a pipe or a log.

No dependency: a bar is one line rewritten with ``\\r``; the rate counts items (messages) per second
and the ETA comes from the units of work (transcript pages) done out of the known total. Redraws are
rate limited so a fast import does not spend its time writing to the terminal.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["Progress", "format_count", "format_duration", "format_rate"]


def format_count(n: float) -> str:
    """``12345`` → ``12,345``."""
    return f"{int(n):,}"


def format_rate(per_second: float) -> str:
    """A rate in a short human form: ``850``, ``12.3k``, ``1.20M``."""
    if not math.isfinite(per_second) or per_second < 0:
        return "?"
    if per_second >= 1e6:
        return f"{per_second / 1e6:.2f}M"
    if per_second >= 1e4:
        return f"{per_second / 1e3:.1f}k"
    if per_second >= 100:
        return f"{per_second:,.0f}"
    return f"{per_second:.1f}"


def format_duration(seconds: float) -> str:
    """``75`` → ``1:15``, ``3725`` → ``1:02:05``; unknown → ``?``."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Shows how far a task is: ``update()`` as work is done, ``finish()`` at the end.

    ``done``/``total`` are units of work (pages); ``items`` are what the rate counts (messages).
    ``tty=None`` decides from the stream. ``enabled=False`` keeps the counters but prints nothing,
    so the caller can still report the figures.
    """

    def __init__(
        self,
        label: str,
        *,
        stream: TextIO | None = None,
        unit: str = "pages",
        items_name: str = "messages",
        total: int | None = None,
        enabled: bool = True,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        interval: float | None = None,
        width: int | None = None,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        self.items_name = items_name
        self.total = total
        self.enabled = enabled
        if tty is None:
            isatty = getattr(self.stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.clock = clock
        self.interval = interval if interval is not None else (0.1 if tty else 2.0)
        self._width = width
        self.done = 0
        self.items = 0
        self.started = clock()
        self.stopped: float | None = None
        self._last_draw: float | None = None
        self._drawn = False
        self.finished = False

    # figures -------------------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        """Seconds from the start to now, or to :meth:`stop` once the task has ended."""
        end = self.stopped if self.stopped is not None else self.clock()
        return max(end - self.started, 0.0)

    def stop(self) -> None:
        """Freeze the clock: the figures stay those of the finished task."""
        if self.stopped is None:
            self.stopped = self.clock()

    @property
    def rate(self) -> float:
        """Items per second since the start."""
        elapsed = self.elapsed
        return self.items / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float:
        """Seconds left, from the share of units done; ``inf`` when unknown."""
        if not self.total or self.done <= 0:
            return math.inf
        left = max(self.total - self.done, 0)
        return self.elapsed * left / self.done

    # updates -------------------------------------------------------------------------------------
    def update(
        self, *, done: int | None = None, total: int | None = None, advance: int = 0, items: int = 0
    ) -> None:
        """Record progress: set ``done`` or ``advance`` it, add ``items``; maybe redraw."""
        if total is not None:
            self.total = total
        if done is not None:
            self.done = done
        self.done += advance
        self.items += items
        if not self.enabled:
            return
        now = self.clock()
        if self._last_draw is None:
            # A plain log's first line waits one interval: short tasks print only the summary.
            if not self.tty:
                self._last_draw = now
                return
        elif now - self._last_draw < self.interval:
            return
        self._last_draw = now
        self._draw()

    def finish(self, summary: str | None = None) -> None:
        """Draw the final state (ending the bar's line) and, if given, one summary line.

        In a plain log without a summary, the final line comes only after progress lines: a short
        task that printed none stays silent (its caller prints the figures).
        """
        if self.finished:
            return
        self.stop()
        self.finished = True
        if not self.enabled:
            return
        if self.tty:
            if self._drawn or summary is None:
                self._draw(final=True)
                self.stream.write("\n")
        elif summary is None and self._drawn:  # a log that showed progress shows its end
            self._draw(final=True)
        if summary is not None:
            self.stream.write(summary + "\n")
        self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        # On an error the bar's line is ended so the error message starts on its own line.
        if self.tty and self._drawn and not self.finished:
            self.finished = True
            self.stream.write("\n")
            self.stream.flush()

    # drawing -------------------------------------------------------------------------------------
    def line(self, final: bool = False, *, compact: bool = False) -> str:
        """The text of one status line, without the bar.

        ``compact``: for a bar in a narrow terminal, which shows the units done itself.
        """
        parts = [f"{format_count(self.items)} {self.items_name}"]
        if self.total:
            pct = min(100.0, 100.0 * self.done / self.total)
            if compact:
                parts[0] = f"{pct:3.0f}% {parts[0]}"
            else:
                parts.append(
                    f"{format_count(self.done)}/{format_count(self.total)} {self.unit} ({pct:.0f}%)"
                )
        elif self.done:
            parts.append(f"{format_count(self.done)} {self.unit}")
        parts.append(
            f"{format_rate(self.rate)}/s"
            if compact
            else f"{format_rate(self.rate)} {self.items_name}/s"
        )
        if final:
            parts.append(f"in {format_duration(self.elapsed)}")
        elif self.total:
            parts.append(f"ETA {format_duration(self.eta)}")
        return ", ".join(parts)

    def _columns(self) -> int:
        """The width of the terminal the bar is drawn on (``$COLUMNS`` first, as shutil does)."""
        if self._width:
            return self._width
        try:
            columns = int(os.environ.get("COLUMNS", ""))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(self.stream.fileno()).columns
            except (AttributeError, OSError, ValueError):
                columns = 0
        return columns if columns > 0 else 80

    def _draw(self, final: bool = False) -> None:
        if not self.tty:
            self.stream.write(f"{self.label}: {self.line(final)}\n")
        else:
            width = self._columns()
            prefix = f"{self.label} "
            bar = ""
            text = self.line(final)
            if self.total:
                # The bar keeps its place: in a narrower terminal the text gives up what the bar
                # shows (the units, then everything but the share, then the label).
                share = f"{min(100.0, 100.0 * self.done / self.total):3.0f}%"
                label = prefix
                for prefix, text in (
                    (label, self.line(final)),
                    (label, self.line(final, compact=True)),
                    (label, share),
                    ("", share),
                ):
                    room = width - len(prefix) - len(text) - 4
                    if room >= 10:
                        break
                if room >= 3:
                    size = min(room, 40)
                    filled = int(size * min(self.done / self.total, 1.0))
                    bar = "[" + "#" * filled + "-" * (size - filled) + "] "
            out = (prefix + bar + text)[: max(width - 1, 1)]
            self.stream.write("\r" + out + "\x1b[K")
        self._drawn = True
        self.stream.flush()
