import os

import numpy as np
import pytest

from ganstudio.document import atomic
from ganstudio.document.errors import FileWriteError
from ganstudio.document.image_io import write_label_map
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette
from ganstudio.document.project import Project, load_project, save_project


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_write_and_replace(tmp_path):
    target = tmp_path / "a.bin"
    atomic.write_atomic(target, b"one")
    atomic.write_atomic(target, lambda f: f.write(b"two"))
    assert target.read_bytes() == b"two" and leftovers(tmp_path) == []
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o644


def test_failing_writer_leaves_old_file(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def broken(handle):
        handle.write(b"half")
        raise RuntimeError("encoder crashed")

    with pytest.raises(RuntimeError, match="encoder crashed"):
        atomic.write_atomic(target, broken)
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []


def test_failing_rename_leaves_old_project(tmp_path, monkeypatch):
    target = tmp_path / "work.gstudio"
    first = Project(label_map=LabelMap(np.zeros((4, 4), np.uint8), Palette.generic(2)))
    save_project(target, first)
    before = target.read_bytes()

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", no_space)
    second = Project(label_map=LabelMap(np.ones((4, 4), np.uint8), Palette.generic(2)))
    with pytest.raises(FileWriteError, match="work.gstudio.*No space left"):
        save_project(target, second)
    with pytest.raises(FileWriteError):
        write_label_map(tmp_path / "map.png", second.label_map)
    monkeypatch.undo()
    assert target.read_bytes() == before and leftovers(tmp_path) == []
    assert load_project(target).label_map == first.label_map
    assert not (tmp_path / "map.png").exists()


def test_missing_folder_is_a_write_error(tmp_path):
    with pytest.raises(FileWriteError, match="cannot write"):
        atomic.write_atomic(tmp_path / "no" / "such" / "dir.bin", b"x")
