"""Every way a model file can be unusable raises CheckpointError naming the file."""
from __future__ import annotations

import io
import os
import pickle
import random
import zipfile
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from ganstudio.checkpoints import CheckpointError, load_model
from load_failures import ShellPayload, expect_error


def test_missing_file(tmp_path: Path) -> None:
    expect_error(tmp_path / "nope.pth", "not found")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pth"
    path.write_bytes(b"")
    expect_error(path, "empty")


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.pth"
    path.write_bytes(random.Random(7).randbytes(4096))
    expect_error(path, "unrecognised")


def test_directory_is_not_a_model(tmp_path: Path) -> None:
    expect_error(tmp_path, "not a file")


def test_malicious_pth_payload_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "latest_net_G.pth"
    torch.save({"weight": torch.zeros(1), "evil": ShellPayload(marker)}, path)
    expect_error(path, "refused")
    assert not marker.exists()


def test_malicious_legacy_pickle_payload_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "200000-G.ckpt"
    with open(path, "wb") as handle:
        pickle.dump(ShellPayload(marker), handle, protocol=2)
    with pytest.raises(CheckpointError):
        load_model(path)
    assert not marker.exists()


def test_truncated_torch_zip(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.randn(64, 64)}, buffer)
    path = tmp_path / "cut.pth"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    expect_error(path)


def test_zip_that_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "archive.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a model")
    expect_error(path)


def test_unknown_architecture(tmp_path: Path) -> None:
    path = tmp_path / "mystery.pth"
    torch.save({"encoder.layer0.weight": torch.zeros(3, 3), "decoder.bias": torch.zeros(3)}, path)
    expect_error(path, "unknown architecture")


def test_checkpoint_without_tensors(tmp_path: Path) -> None:
    path = tmp_path / "opts.pth"
    torch.save({"epoch": 3, "lr": 0.1}, path)
    expect_error(path, "no tensor state dict")


def test_truncated_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save_file({"w": torch.randn(32, 32)}, str(path))
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    expect_error(path, "safetensors")


def test_native_file_with_damaged_metadata(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save_file({"w": torch.randn(2)}, str(path), metadata={"format": "ganstudio/1", "ganstudio": "{not json"})
    expect_error(path, "metadata")


def test_native_file_of_unknown_architecture(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save_file({"w": torch.randn(2)}, str(path), metadata={"format": "ganstudio/1", "ganstudio": '{"arch": "teleporter", "config": {}}'})
    expect_error(path, "unknown architecture")


def test_saved_model_is_readable_by_others_and_keeps_an_existing_mode(tmp_path: Path) -> None:
    from ganstudio.checkpoints import save_model
    from ganstudio.models.patchgan import NLayerDiscriminator

    path = tmp_path / "d.safetensors"
    save_model(NLayerDiscriminator(input_nc=3, ndf=2, n_layers=1), path)
    assert path.stat().st_mode & 0o044 == 0o044  # group and others may read
    os.chmod(path, 0o600)
    save_model(NLayerDiscriminator(input_nc=3, ndf=2, n_layers=1), path)
    assert path.stat().st_mode & 0o777 == 0o600
