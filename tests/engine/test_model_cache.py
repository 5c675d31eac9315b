"""The model cache: load once per file and device, least recently used goes first."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from ganstudio.checkpoints import CheckpointError, LoadedModel
from ganstudio.engine.model_cache import ModelCache


class TinyNet(nn.Module):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.config = {"channels": channels}
        self.conv = nn.Conv2d(3, channels, 3, padding=1)


class TorchFileLoader:
    """Stands in for load_model: reads a torch-saved state dict into a TinyNet, counting loads."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, dict]] = []

    def __call__(self, path: str, device: str = "cpu", **hints: object) -> LoadedModel:
        self.loads.append((os.path.basename(path), dict(hints)))
        state = torch.load(path, weights_only=True)
        module = TinyNet(state["conv.weight"].shape[0])
        module.load_state_dict(state)
        encoder = TinyNet(2)
        return LoadedModel("pix2pix_unet", dict(module.config), module, {"labels": ["sky"], "provenance": {"seed": 1}}, {"encoder": LoadedModel("spade_encoder", {}, encoder)})


def save_tiny(path: Path, channels: int = 4) -> Path:
    torch.save(TinyNet(channels).state_dict(), path)
    return path


@pytest.fixture
def loader() -> TorchFileLoader:
    return TorchFileLoader()


def test_a_model_is_loaded_once_and_prepared_for_inference(tmp_path: Path, loader: TorchFileLoader) -> None:
    path = save_tiny(tmp_path / "a.pth")
    cache = ModelCache(loader, capacity=2)
    ready = cache.get(path, "cpu")
    assert cache.get(path, "cpu") is ready and len(loader.loads) == 1
    assert not ready.module.training and not any(p.requires_grad for p in ready.module.parameters())
    assert ready.loaded.path == os.fspath(path)
    encoder, runtime = ready.part("encoder")
    assert not encoder.training and runtime.device.type == "cpu"
    assert ready.part("missing") is None


def test_least_recently_used_model_is_evicted(tmp_path: Path, loader: TorchFileLoader) -> None:
    a, b, c = (save_tiny(tmp_path / f"{name}.pth") for name in "abc")
    cache = ModelCache(loader, capacity=2)
    first_a = cache.get(a, "cpu")
    cache.get(b, "cpu")
    cache.get(a, "cpu")  # a is now the most recent
    cache.get(c, "cpu")  # evicts b
    assert len(cache) == 2
    assert cache.get(a, "cpu") is first_a
    cache.get(b, "cpu")
    assert [name for name, _ in loader.loads] == ["a.pth", "b.pth", "c.pth", "b.pth"]


def test_a_rewritten_file_or_other_hints_load_afresh(tmp_path: Path, loader: TorchFileLoader) -> None:
    path = save_tiny(tmp_path / "model.pth", channels=4)
    cache = ModelCache(loader, capacity=4)
    old = cache.get(path, "cpu")
    with_hints = cache.get(path, "cpu", {"preset": "ade20k"})
    assert with_hints is not old and loader.loads[-1][1] == {"preset": "ade20k"}
    save_tiny(path, channels=6)  # e.g. the trainer exported new weights
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    assert cache.get(path, "cpu").module.conv.out_channels == 6


def test_evict_and_discard(tmp_path: Path, loader: TorchFileLoader) -> None:
    a, b = save_tiny(tmp_path / "a.pth"), save_tiny(tmp_path / "b.pth")
    cache = ModelCache(loader, capacity=3)
    ready_a = cache.get(a, "cpu")
    cache.get(b, "cpu")
    assert cache.evict(b) == 1 and len(cache) == 1
    assert cache.discard(ready_a.key) and not cache.discard(ready_a.key)
    assert len(cache) == 0


def test_info_is_plain_python(tmp_path: Path, loader: TorchFileLoader) -> None:
    info = ModelCache(loader).get(save_tiny(tmp_path / "m.pth"), "cpu").info()
    assert info["arch"] == "pix2pix_unet" and info["labels"] == ["sky"] and info["parts"] == ["encoder"]
    assert info["parameters"] == 4 * 3 * 9 + 4 and info["precision"] == "fp32" and info["name"] == "m.pth"

    def no_tensors(value: object) -> bool:
        if isinstance(value, dict):
            return all(no_tensors(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return all(no_tensors(v) for v in value)
        return isinstance(value, (str, int, float, bool, type(None)))

    assert no_tensors(info)


def test_the_real_loader_reports_unusable_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a model at all")
    cache = ModelCache()
    with pytest.raises(CheckpointError, match="garbage.pth: unrecognised file format"):
        cache.get(garbage, "cpu")
    with pytest.raises(CheckpointError, match="missing.safetensors: file not found"):
        cache.get(tmp_path / "missing.safetensors", "cpu")
    assert len(cache) == 0


def test_a_loaded_network_is_kept_out_of_full_gc_passes(tmp_path: Path, loader: TorchFileLoader) -> None:
    import gc

    ready = ModelCache(loader).get(save_tiny(tmp_path / "m.pth"), "cpu")
    assert gc.get_freeze_count() > 0
    tracked = {id(obj) for obj in gc.get_objects()}
    assert id(ready.module) not in tracked and id(ready.module.conv) not in tracked
