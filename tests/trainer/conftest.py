"""Fixtures of the trainer tests."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from train_helpers import make_face_data, make_image_folder, make_labelmap_data, make_paired_data, make_unpaired_data


@pytest.fixture
def tiny_data(tmp_path: Path):
    """Factory: tiny_data(kind) -> data folder."""
    makers = {"labelmap": make_labelmap_data, "paired": make_paired_data, "unpaired": make_unpaired_data,
              "faces": make_face_data, "folder": make_image_folder}

    def make(kind: str) -> Path:
        return makers[kind](tmp_path / f"data_{kind}")

    return make


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """The trainer tests run many tiny ops: one intra-op thread is faster than two
    (no barrier per op) and does not stall when the cores are shared."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def vgg19_weights(tmp_path_factory) -> Path:
    """A torchvision VGG19 state dict (random weights, features only, fp16 to stay small)."""
    from torchvision.models import vgg19

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("vgg") / "vgg19.pth"
    torch.save({k: v.half() for k, v in vgg19().state_dict().items() if k.startswith("features.")}, path)
    return path
