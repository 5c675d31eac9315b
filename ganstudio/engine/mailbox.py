"""The worker's inbox: latest-wins slots for interactive jobs, a queue for batch jobs.

Pure `threading`, no Qt: the UI thread posts, the worker thread takes. While
the worker is busy, a newer interactive job on a channel replaces the one
waiting on that channel (its slot keeps its place in line, so a channel that
updates constantly cannot starve the others). Interactive jobs go before batch
jobs: a batch job runs between user actions, not instead of them.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from typing import Callable

from .jobs import Job


class MailboxClosed(Exception):
    """Raised by `put` after `close`: the worker is shutting down."""


class JobMailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._slots: OrderedDict[str, Job] = OrderedDict()  # channel -> waiting interactive job
        self._batch: deque[Job] = deque()
        self._closed = False

    def put(self, job: Job) -> Job | None:
        """Post a job. Returns the interactive job it replaced, if any."""
        with self._ready:
            if self._closed:
                raise MailboxClosed("the inference worker has stopped")
            replaced = None
            if job.interactive:
                replaced = self._slots.get(job.channel)
                self._slots[job.channel] = job  # replacing keeps the slot's position
            else:
                self._batch.append(job)
            self._ready.notify()
            return replaced

    def take(self, timeout: float | None = None, *, interactive_only: bool = False) -> Job | None:
        """The next job, waiting up to `timeout` seconds (None: until one comes).

        Returns None on timeout or once the mailbox is closed.
        `interactive_only` leaves batch jobs waiting (used between the steps
        of a running batch job).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._ready:
            while True:
                if self._closed:
                    return None
                if self._slots:
                    return self._slots.popitem(last=False)[1]
                if self._batch and not interactive_only:
                    return self._batch.popleft()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._ready.wait(remaining)

    def discard(self, predicate: Callable[[Job], bool]) -> list[Job]:
        """Remove every waiting job for which `predicate` is true; returns them."""
        with self._lock:
            removed = [job for job in self._slots.values() if predicate(job)]
            for job in removed:
                del self._slots[job.channel]
            kept = deque()
            for job in self._batch:
                (removed if predicate(job) else kept).append(job)
            self._batch = kept
            return removed

    def pending(self) -> list[Job]:
        with self._lock:
            return [*self._slots.values(), *self._batch]

    def close(self) -> list[Job]:
        """Stop accepting jobs and wake the taker; returns the jobs that never ran."""
        with self._ready:
            self._closed = True
            left = [*self._slots.values(), *self._batch]
            self._slots.clear()
            self._batch.clear()
            self._ready.notify_all()
            return left

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed
