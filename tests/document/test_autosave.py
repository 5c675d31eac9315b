import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ganstudio.document.autosave import SESSION_FILE, RecoveryStore
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette
from ganstudio.document.project import Project, save_project

REPO = Path(__file__).resolve().parents[2]


def project(value: int = 1) -> Project:
    return Project(label_map=LabelMap(np.full((6, 8), value, np.uint8), Palette.generic(4)), view={"zoom": value})


def test_crashed_session_is_offered_for_recovery(tmp_path):
    # a "previous run" writes a snapshot and dies without a clean exit
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(REPO)!r})
        import numpy as np
        from ganstudio.document.autosave import RecoveryStore
        from ganstudio.document.labelmap import LabelMap
        from ganstudio.document.palette import Palette
        from ganstudio.document.project import Project
        store = RecoveryStore({str(tmp_path)!r})
        store.start_session()
        lm = LabelMap(np.arange(48).reshape(6, 8) % 4, Palette.generic(4))
        store.save_snapshot("doc1", Project(label_map=lm, view={{"zoom": 2}}), title="Valley", source_path="/w/valley.gstudio")
        os._exit(3)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=60)
    assert result.returncode == 3

    store = RecoveryStore(tmp_path)
    store.start_session()
    found = store.list_recoverable()
    assert [(s.document_id, s.title, s.source_path) for s in found] == [("doc1", "Valley", "/w/valley.gstudio")]
    recovered = store.recover(found[0])
    assert recovered.view == {"zoom": 2}
    assert np.array_equal(recovered.label_map.ids, np.arange(48).reshape(6, 8) % 4)
    store.discard(found[0])
    assert store.list_recoverable() == []
    assert [p.name for p in tmp_path.iterdir()] == [store.session_dir.name]
    store.end_session()
    assert list(tmp_path.iterdir()) == []


def test_running_session_is_not_offered(tmp_path):
    running = RecoveryStore(tmp_path)
    running.start_session()
    running.save_snapshot("a", project(1), title="A")
    running.save_snapshot("a", project(2), title="A")  # replaces the earlier snapshot
    other = RecoveryStore(tmp_path)
    assert other.list_recoverable() == []
    running.remove_snapshot("a")
    assert not any(running.session_dir.glob("a.*"))
    running.end_session()
    assert list(tmp_path.iterdir()) == []


def test_clean_exit_leaves_nothing_to_recover(tmp_path):
    store = RecoveryStore(tmp_path)
    store.start_session()
    store.save_snapshot("doc", project())
    store.end_session()
    assert RecoveryStore(tmp_path).list_recoverable() == []


def test_lockless_folder_of_dead_pid_is_recoverable(tmp_path):
    # e.g. a session folder copied from elsewhere: fall back to the recorded pid
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    folder = tmp_path / f"session-{child.pid}-deadbeef"
    folder.mkdir()
    (folder / SESSION_FILE).write_text(json.dumps({"pid": child.pid}))
    save_project(folder / "x.gstudio", project(3))
    (folder / "stale-empty").mkdir()
    found = RecoveryStore(tmp_path).list_recoverable()
    assert [s.document_id for s in found] == ["x"] and found[0].title == "x"
    assert RecoveryStore(tmp_path).recover(found[0]).view == {"zoom": 3}


def test_dead_empty_session_folders_are_cleaned(tmp_path):
    folder = tmp_path / "session-1-00000000"
    folder.mkdir()
    (folder / "session.lock").touch()
    assert RecoveryStore(tmp_path).list_recoverable() == []
    assert not folder.exists()


def test_document_ids_are_checked(tmp_path):
    store = RecoveryStore(tmp_path)
    with pytest.raises(RuntimeError):
        store.save_snapshot("doc", project())
    store.start_session()
    with pytest.raises(ValueError):
        store.save_snapshot("../escape", project())
    store.end_session()
