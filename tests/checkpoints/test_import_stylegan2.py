"""Importing StyleGAN2-ADA network pickles and plain state dicts with the reference key names."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model, save_model
from ganstudio.checkpoints.importers import stylegan2 as importer
from ganstudio.checkpoints.importers import ImportMismatch
from ganstudio.models.stylegan2 import Discriminator, Generator

FIXTURES = Path(__file__).parent.parent / "fixtures" / "stylegan2"
CONFIGS = ["skip", "resnet", "orig", "cond"]
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def snapshot(name: str) -> Path:
    return FIXTURES / f"network-snapshot-{name}.pkl"


def expected(name: str) -> dict:
    return torch.load(FIXTURES / f"{name}_expected.pt", weights_only=True)


@torch.no_grad()
def render(G: Generator, e: dict) -> torch.Tensor:
    return G(e["z"], e["c"], truncation_psi=e["psi"], truncation_cutoff=e["cutoff"], noise_mode="const")


@pytest.mark.parametrize("name", CONFIGS)
def test_pickle_config_comes_from_init_kwargs(name: str) -> None:
    loaded = load_model(snapshot(name))
    assert loaded.arch == "stylegan2" and isinstance(loaded.module, Generator)
    assert not loaded.module.training
    config = loaded.config
    assert json.loads(json.dumps(config)) == config
    synthesis = config["synthesis_kwargs"]
    assert synthesis["architecture"] == {"cond": "skip"}.get(name, name)
    assert synthesis["conv_clamp"] == (1.0 if name == "resnet" else 256)
    assert config["mapping_kwargs"] == {"num_layers": 2}
    assert config["c_dim"] == (4 if name == "cond" else 0)
    assert loaded.resolution == 32
    provenance = loaded.meta["provenance"]
    assert provenance["imported_from"] == snapshot(name).name and provenance["network"] == "G_ema"
    assert provenance["training_set"]["use_labels"] == (name == "cond")


def test_takes_g_ema_not_the_training_copy() -> None:
    e = expected("skip")
    ema = load_model(snapshot("skip")).module
    training_copy = load_model(snapshot("skip"), network="G").module
    assert rel_err(render(ema, e), e["img_const"]) <= TOLERANCE
    assert rel_err(render(training_copy, e), e["img_const"]) > 1e-3


def test_discriminator_can_come_along_as_a_part() -> None:
    loaded = load_model(snapshot("cond"), include_discriminator=True)
    D = loaded.parts["discriminator"].module
    assert isinstance(D, Discriminator) and D.c_dim == 4
    e = expected("cond")
    with torch.no_grad():
        assert rel_err(D(e["img_const"], e["c"]), e["d_logits"]) <= TOLERANCE


def test_unknown_network_hint_is_an_error() -> None:
    with pytest.raises(CheckpointError, match="load hint network must be one of G_ema, G, D, not 'augment_pipe'"):
        load_model(snapshot("skip"), network="augment_pipe")


@pytest.mark.parametrize("name", ["skip", "cond"])
def test_native_round_trip_gives_the_same_image(name: str, tmp_path: Path) -> None:
    e = expected(name)
    loaded = load_model(snapshot(name))
    out = save_model(loaded, tmp_path / f"{name}.safetensors")
    again = load_model(out)
    assert again.arch == "stylegan2" and again.config == loaded.config
    assert again.meta["provenance"]["imported_from"] == snapshot(name).name
    assert torch.equal(render(again.module, e), render(loaded.module, e))
    assert rel_err(render(again.module, e), e["img_const"]) <= TOLERANCE


@pytest.mark.parametrize("name", CONFIGS)
def test_plain_state_dict_config_is_inferred_from_shapes(name: str, tmp_path: Path) -> None:
    e = expected(name)
    pickled = load_model(snapshot(name))
    path = tmp_path / "G_ema.pth"
    torch.save(pickled.module.state_dict(), path)
    hints = {"conv_clamp": 1.0} if name == "resnet" else {}
    loaded = load_model(path, **hints)
    assert loaded.arch == "stylegan2"
    inferred, original = loaded.config, pickled.config
    for key in ("z_dim", "c_dim", "w_dim", "img_resolution", "img_channels"):
        assert inferred[key] == original[key], key
    for key in ("channel_base", "channel_max", "architecture", "conv_clamp"):
        assert inferred["synthesis_kwargs"][key] == original["synthesis_kwargs"][key], key
    assert inferred["mapping_kwargs"]["num_layers"] == 2
    assert rel_err(render(loaded.module, e), e["img_const"]) <= TOLERANCE


def test_state_dict_inside_a_container(tmp_path: Path) -> None:
    e = expected("orig")
    state = load_model(snapshot("orig")).module.state_dict()
    path = tmp_path / "checkpoint.pt"
    torch.save({"G_ema": {f"module.{k}": v for k, v in state.items()}, "step": 10}, path)
    assert rel_err(render(load_model(path).module, e), e["img_const"]) <= TOLERANCE


@pytest.mark.parametrize("name", CONFIGS)
def test_plain_discriminator_state_dict(name: str, tmp_path: Path) -> None:
    e = expected(name)
    pickled = load_model(snapshot(name), network="D")
    path = tmp_path / "D.pth"
    torch.save(pickled.module.state_dict(), path)
    hints = {"conv_clamp": 1.0} if name == "resnet" else {}
    loaded = load_model(path, mbstd_group_size=2, **hints)
    assert loaded.arch == "stylegan2_discriminator"
    assert loaded.config["architecture"] == pickled.config["architecture"]
    assert loaded.config["epilogue_kwargs"]["mbstd_group_size"] == 2
    with torch.no_grad():
        assert rel_err(loaded.module(e["img_const"], e["c"]), e["d_logits"]) <= TOLERANCE


def test_inconsistent_state_dicts_are_reported(tmp_path: Path) -> None:
    state = load_model(snapshot("skip")).module.state_dict()
    broken = dict(state)
    broken["synthesis.b16.conv1.weight"] = torch.zeros(5, 8, 3, 3)
    with pytest.raises(ImportMismatch, match="channel"):
        importer.detect(broken, {})
    partial = {k: v for k, v in state.items() if k != "synthesis.b8.conv0.affine.weight"}
    path = tmp_path / "partial.pth"
    torch.save(partial, path)
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    assert "partial.pth" in str(info.value) and "synthesis.b8.conv0.affine.weight" in str(info.value)
    gap = {k: v for k, v in state.items() if not k.startswith("synthesis.b8.")}
    with pytest.raises(ImportMismatch, match="not 4, 8, 16"):
        importer.detect(gap, {})


def test_other_families_are_not_claimed() -> None:
    assert importer.detect({"model.0.weight": torch.zeros(1)}, {}) is None


def test_pickle_without_networks(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "network-snapshot-000000.pkl"
    path.write_bytes(pickle.dumps({"training_set_kwargs": {"resolution": 32}}))
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    assert path.name in str(info.value) and "no G_ema" in str(info.value)
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(CheckpointError, match="not a StyleGAN2-ADA network pickle"):
        load_model(path)


def test_conversion_cli_writes_a_native_file(tmp_path: Path) -> None:
    from ganstudio.checkpoints.convert import main

    out = tmp_path / "ffhq-toy.safetensors"
    assert main([os.fspath(snapshot("cond")), os.fspath(out)]) == 0
    loaded = load_model(out)
    e = expected("cond")
    assert rel_err(render(loaded.module, e), e["img_const"]) <= TOLERANCE
