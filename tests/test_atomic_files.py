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
