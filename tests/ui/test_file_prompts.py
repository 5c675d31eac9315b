"""The shared open/save prompts: an answer reaches the action, a cancelled dialog does nothing."""
from __future__ import annotations

from ganstudio.ui.file_prompts import IMAGE_FILTER, ask_open, ask_save, name_after


def test_answers_reach_the_action_and_cancel_does_nothing(dialogs) -> None:  # type: ignore[no-untyped-def]
    used: list[str] = []
    dialogs.open_answers.append("/photos/a.png")
    ask_open(dialogs, "Open", IMAGE_FILTER, used.append)
    ask_open(dialogs, "Open", IMAGE_FILTER, used.append)  # no answer left: cancelled
    dialogs.save_answers.append("/out/b.png")
    ask_save(dialogs, "Save", IMAGE_FILTER, "b.png", used.append)
    ask_save(dialogs, "Save", IMAGE_FILTER, "b.png", used.append)
    assert used == ["/photos/a.png", "/out/b.png"]


def test_suggested_names_follow_the_source_or_fall_back() -> None:
    assert name_after("/photos/face.jpg", "_edited", "photo") == "face_edited.png"
    assert name_after("", "_converted", "output") == "output_converted.png"
