"""ProjectDocument: parts make up the file; saving, opening, refusing, autosave and recovery."""
from __future__ import annotations

from typing import Any

import numpy as np

from ganstudio.app.project_document import ProjectDocument
from ganstudio.document.autosave import RecoveryStore
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import default_palette
from ganstudio.document.project import Project


class LabelsPart:
    """A part holding a label map, as the painting does."""

    def __init__(self, value: int = 0) -> None:
        self.ids = np.full((8, 8), value, np.uint8)
        self.is_modified = False
        self.restored_modified: bool | None = None
        self.refuse: str | None = None

    def mark_saved(self) -> None:
        self.is_modified = False

    def capture(self) -> dict[str, Any]:
        return {"label_map": LabelMap(self.ids.copy(), default_palette()), "view": {"zoom": 2.0}}

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        if self.refuse:
            raise ValueError(self.refuse)
        assert project.label_map is not None
        self.ids = project.label_map.ids.copy()
        self.is_modified = modified
        self.restored_modified = modified
        return []


class NotesPart:
    """A part that keeps no file state but has something to say when restored."""

    is_modified = False

    def mark_saved(self) -> None:
        pass

    def capture(self) -> dict[str, Any]:
        return {"workspace": {"active": "latent"}}

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        return [f"active was {project.workspace.get('active')}"]


def make_document(qtbot, root) -> tuple[ProjectDocument, LabelsPart]:  # type: ignore[no-untyped-def]
    document = ProjectDocument(RecoveryStore(root))
    part = LabelsPart(3)
    document.add_part(part)
    document.add_part(NotesPart())
    return document, part


def test_save_then_open_restores_every_part(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document, part = make_document(qtbot, tmp_path / "rec")
    part.is_modified = True
    path = str(tmp_path / "work.gstudio")
    with qtbot.waitSignal(document.titleChanged):
        assert document.save(path)
    assert document.title == "work.gstudio" and document.is_project_file and not document.is_modified

    other, other_part = make_document(qtbot, tmp_path / "rec2")
    notices: list[str] = []
    other.notice.connect(notices.append)
    assert other.open(path)
    assert (other_part.ids == 3).all() and other_part.restored_modified is False
    assert "active was latent" in notices and notices[-1] == "Opened work.gstudio"
    assert other.path == path
    document.close(), other.close()


def test_a_part_that_refuses_leaves_the_path_and_says_why(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document, part = make_document(qtbot, tmp_path / "rec")
    path = str(tmp_path / "work.gstudio")
    assert document.save(path)
    document.set_path(None)
    part.refuse = "the painting does not fit its classes"
    with qtbot.waitSignal(document.failed) as failed:
        assert not document.open(path)
    assert failed.args == ["Cannot open the project", "the painting does not fit its classes"]
    assert document.path is None
    document.close()


def test_unreadable_file_fails_in_our_words(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document, _part = make_document(qtbot, tmp_path / "rec")
    bad = tmp_path / "bad.gstudio"
    bad.write_bytes(b"not a zip at all")
    with qtbot.waitSignal(document.failed) as failed:
        assert not document.open(str(bad))
    assert failed.args[0] == "Cannot open the project" and "unchanged" in failed.args[1]
    assert "Traceback" not in failed.args[1]
    document.close()


def test_saving_into_a_missing_folder_fails_and_stays_modified(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document, part = make_document(qtbot, tmp_path / "rec")
    part.is_modified = True
    with qtbot.waitSignal(document.failed) as failed:
        assert not document.save(str(tmp_path / "missing" / "deeper" / "work.gstudio"))
    assert failed.args[0] == "Cannot save the project"
    assert document.is_modified and document.path is None
    document.close()


def test_autosave_only_when_modified_and_recovery_brings_it_back(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "rec"
    crashed, part = make_document(qtbot, root)
    crashed.autosave()
    assert not crashed.recovery.list_recoverable() and not list(root.rglob("*.gstudio"))  # nothing modified: nothing written
    part.ids[:] = 5
    part.is_modified = True
    crashed.autosave()
    assert list(root.rglob("*.gstudio"))
    # the process dies holding its snapshot: its session lock goes with it
    crashed.recovery._lock_handle.close()
    crashed.recovery._session_dir = None

    document, restored = make_document(qtbot, root)
    snapshots = document.recoverable()
    assert [s.title for s in snapshots] == ["Untitled"]
    assert document.recover(snapshots[0])
    assert (restored.ids == 5).all() and restored.restored_modified is True  # recovered work is not saved work
    assert document.path is None and not document.recoverable()
    document.close()


def test_the_autosave_timer_writes_a_snapshot(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    document, part = make_document(qtbot, tmp_path / "rec")
    part.is_modified = True
    document.start_autosave(5)
    qtbot.waitUntil(lambda: bool(list((tmp_path / "rec").rglob("*.gstudio"))), timeout=5000)
    document.close()
    assert not document.autosave_timer.isActive()
