"""The job mailbox: latest-wins per channel for interactive jobs, FIFO for batch jobs."""
from __future__ import annotations

import threading

import pytest

from ganstudio.engine.jobs import BatchJob, Job
from ganstudio.engine.mailbox import JobMailbox, MailboxClosed


def test_newer_interactive_job_replaces_the_waiting_one_on_its_channel() -> None:
    box = JobMailbox()
    first = Job(channel="canvas", revision=1)
    second = Job(channel="canvas", revision=2)
    assert box.put(first) is None
    assert box.put(second) is first
    assert box.take(timeout=0) is second
    assert box.take(timeout=0) is None


def test_a_replaced_channel_keeps_its_place_in_line() -> None:
    box = JobMailbox()
    box.put(Job(channel="canvas", revision=1))
    latent = Job(channel="latent", revision=1)
    box.put(latent)
    newest_canvas = Job(channel="canvas", revision=9)
    box.put(newest_canvas)
    assert [box.take(timeout=0), box.take(timeout=0)] == [newest_canvas, latent]


def test_batch_jobs_queue_in_order_after_interactive_ones() -> None:
    box = JobMailbox()
    batches = [BatchJob(channel="convert") for _ in range(3)]
    for job in batches:
        assert box.put(job) is None  # batch jobs never replace each other
    interactive = Job(channel="canvas")
    box.put(interactive)
    assert box.take(timeout=0) is interactive
    assert box.take(timeout=0, interactive_only=True) is None
    assert [box.take(timeout=0) for _ in range(3)] == batches


def test_discard_removes_matching_waiting_jobs() -> None:
    box = JobMailbox()
    keep, drop = BatchJob(channel="convert"), BatchJob(channel="convert")
    box.put(keep)
    box.put(drop)
    box.put(Job(channel="canvas"))
    removed = box.discard(lambda job: job is drop or job.channel == "canvas")
    assert len(removed) == 2 and drop in removed
    assert box.pending() == [keep]


def test_take_blocks_until_a_job_arrives_from_another_thread() -> None:
    box = JobMailbox()
    job = Job(channel="canvas")
    poster = threading.Timer(0.05, box.put, args=(job,))
    poster.start()
    try:
        assert box.take(timeout=5) is job
    finally:
        poster.join()


def test_close_wakes_the_taker_and_refuses_new_jobs() -> None:
    box = JobMailbox()
    box.put(BatchJob(channel="convert"))
    taken: list[object] = []
    box.take(timeout=0)  # empty it, so the taker below has to wait
    taker = threading.Thread(target=lambda: taken.append(box.take()))
    taker.start()
    left = box.close()
    taker.join(5)
    assert not taker.is_alive() and taken == [None] and left == []
    with pytest.raises(MailboxClosed):
        box.put(Job(channel="canvas"))


def test_job_arrays_are_frozen_copies() -> None:
    import numpy as np
    from dataclasses import dataclass

    @dataclass(frozen=True, kw_only=True, eq=False)
    class PaintJob(Job):
        labels: np.ndarray

    labels = np.zeros((4, 4), np.uint8)
    job = PaintJob(channel="canvas", labels=labels)
    labels[0, 0] = 7  # the painter keeps painting
    assert job.labels[0, 0] == 0
    assert not job.labels.flags.writeable
    assert PaintJob(channel="canvas", labels=labels).job_id > job.job_id
