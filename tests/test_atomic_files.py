"""ganstudio.atomic: the one atomic-replace used by documents, model files and training checkpoints."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ganstudio.atomic import TemporaryFileError, atomic_write_to_path, atomic_writer


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_path_writer_replaces_and_a_failing_one_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"
    atomic_write_to_path(target, lambda tmp: Path(tmp).write_bytes(b"one"))

    def broken(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise RuntimeError("writer crashed")

    with pytest.raises(RuntimeError, match="writer crashed"):
        atomic_write_to_path(target, broken)
    assert target.read_bytes() == b"one" and leftovers(tmp_path) == []


def test_path_writer_may_replace_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.bin"

    def replacing(tmp: str) -> None:  # as writers that write elsewhere and rename do
        other = tmp_path / "elsewhere"
        other.write_bytes(b"new")
        os.replace(other, tmp)

    atomic_write_to_path(target, replacing)
    assert target.read_bytes() == b"new" and leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="permissions are POSIX")
def test_new_files_follow_the_umask_and_existing_ones_keep_their_mode(tmp_path: Path) -> None:
    old_umask = os.umask(0o077)
    try:
        with atomic_writer(tmp_path / "private.bin") as handle:
            handle.write(b"x")
    finally:
        os.umask(old_umask)
    assert (tmp_path / "private.bin").stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.bin"
    shared.write_bytes(b"old")
    os.chmod(shared, 0o640)
    atomic_write_to_path(shared, lambda tmp: Path(tmp).write_bytes(b"new"))
    assert shared.stat().st_mode & 0o777 == 0o640


def test_missing_folder_is_an_oserror_naming_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    with pytest.raises(TemporaryFileError) as info:
        atomic_write_to_path(folder / "x.bin", lambda tmp: None)
    assert isinstance(info.value, OSError) and info.value.filename == str(folder)
    assert not folder.exists()


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid is free (reuse within the test is vanishingly unlikely)
    return child.pid


def _leftover(path: Path, age_s: float) -> Path:
    path.write_bytes(b"half")
    stamp = path.stat().st_mtime - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_a_write_removes_stale_temporaries_of_its_own_target_only(tmp_path: Path) -> None:
    """Issue 22 #10: killed saves left .name.*.tmp forever; the next write of that target clears them."""
    target = tmp_path / "scene.gstudio"
    dead, hour = _dead_pid(), 3600
    removed = [
        _leftover(tmp_path / f".scene.gstudio.{dead}-0badc0de.tmp", 120),  # killed writer, 2 min ago
        _leftover(tmp_path / ".scene.gstudio.deadbeef.tmp", 2 * hour),  # the naming before pids, 2 h old
        _leftover(tmp_path / f".scene.gstudio.{os.getppid()}-0000beef.tmp", 2 * hour),  # untouched for 2 h
    ]
    kept = [
        _leftover(tmp_path / f".scene.gstudio.{dead}-00c0ffee.tmp", 5),  # just killed: grace period
        _leftover(tmp_path / f".scene.gstudio.{os.getppid()}-12345678.tmp", 120),  # a live process's write
        _leftover(tmp_path / ".scene.gstudio.abcdef01.tmp", 120),  # old naming, recent
        _leftover(tmp_path / f".other.gstudio.{dead}-0badc0de.tmp", 2 * hour),  # another target's
        _leftover(tmp_path / f".scene.gstudio.bak.{dead}-0badc0de.tmp", 2 * hour),  # a name starting alike
        _leftover(tmp_path / ".scene.gstudio.notes.tmp", 2 * hour),  # not our pattern
    ]
    atomic_write_to_path(target, lambda tmp: Path(tmp).write_bytes(b"saved"))
    assert target.read_bytes() == b"saved"
    assert [p.name for p in removed if p.exists()] == []
    assert [p.name for p in kept if not p.exists()] == []
    with atomic_writer(target) as handle:  # the context-manager writer cleans the same way
        handle.write(b"again")
    assert [p.name for p in kept if not p.exists()] == []


def test_temporary_names_carry_the_writer_pid(tmp_path: Path) -> None:
    seen: list[str] = []
    atomic_write_to_path(tmp_path / "a.bin", lambda tmp: seen.append(Path(tmp).name) or Path(tmp).write_bytes(b"1"))
    assert seen[0].startswith(f".a.bin.{os.getpid()}-") and seen[0].endswith(".tmp")
