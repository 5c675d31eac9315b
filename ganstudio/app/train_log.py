"""Tail a run's losses.csv: read only what was appended since the last look.

The trainer appends one row per logged iteration and rewrites the file from
the top when a run resumes (rows past the checkpoint are dropped), so a file
shorter than what was read, or with a new header, starts the curves again.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LossRow:
    iteration: int
    seconds: float
    values: dict[str, float] = field(default_factory=dict)


class LossTail:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.names: list[str] = []
        self._offset = 0
        self._header = b""

    def read(self) -> tuple[bool, list[LossRow]]:
        """(restarted, new rows). `restarted`: the file was rewritten; drop what was shown before."""
        try:
            with self.path.open("rb") as handle:
                head = handle.readline()
                restarted = False
                size = handle.seek(0, io.SEEK_END)
                if head != self._header or size < self._offset:
                    restarted = bool(self._header)
                    self._header, self._offset = head, len(head)
                    self.names = next(csv.reader([head.decode("utf-8", "replace")]), [])[2:] if head.endswith(b"\n") else []
                    if not self.names:
                        self._header, self._offset = b"", 0  # header still being written
                        return restarted, []
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return False, []
        end = chunk.rfind(b"\n") + 1  # a half-written last line waits for the next look
        self._offset += end
        rows = []
        for record in csv.reader(chunk[:end].decode("utf-8", "replace").splitlines()):
            if len(record) < 2 or not record[0].isdigit():
                continue
            values = {name: float(text) for name, text in zip(self.names, record[2:]) if text not in ("", "nan")}
            rows.append(LossRow(int(record[0]), float(record[1] or 0), values))
        return restarted, rows


def speed(rows: list[LossRow], window: int = 20) -> float | None:
    """Iterations per second over the last `window` rows of one session (seconds restart on resume)."""
    recent = rows[-window:]
    for start in range(len(recent) - 1):
        first, last = recent[start], recent[-1]
        if last.seconds > first.seconds and last.iteration > first.iteration and all(
                b.seconds >= a.seconds for a, b in zip(recent[start:], recent[start + 1:])):
            return (last.iteration - first.iteration) / (last.seconds - first.seconds)
    return None
