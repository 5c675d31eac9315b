"""What the checkpoint tests of hostile and broken files share: a payload that runs a shell command
when unpickled, and the check that loading fails with a CheckpointError naming the file."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ganstudio.checkpoints import CheckpointError, load_model


class ShellPayload:
    """Unpickling this runs os.system (touching `marker`): the loader must never get that far."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def expect_error(path: Path, *fragments: str) -> str:
    """Load `path`, which must fail with a message naming the file and holding every fragment; returns the message."""
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    message = str(info.value)
    assert path.name in message
    for fragment in fragments:
        assert fragment in message, message
    return message
