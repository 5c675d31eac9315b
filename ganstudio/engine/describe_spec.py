"""What the Describe workspace asks the worker for: plain data, no torch (the app builds these)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .jobs import Job

CHANNEL = "describe"
MAX_SAMPLES = 16  # the grid's largest size
MAX_SEED = 2**32 - 1  # np.random.RandomState accepts 0 .. 2**32 - 1


@dataclass(frozen=True, kw_only=True, eq=False)
class DescribeJob(Job):
    """`count` pictures of `prompt`, sample k from seed + k. With `other` and `mix` in (0, 1], the sentence
    embedding is the blend (1 - mix) * prompt + mix * other: interpolation between two sentences."""

    channel: str = CHANNEL
    prompt: str
    seed: int = 0
    count: int = 1
    other: str = ""
    mix: float = 0.0

    session: ClassVar[str] = "ganstudio.engine.describe:DescribeSession"
    title: ClassVar[str] = "Text to image"
