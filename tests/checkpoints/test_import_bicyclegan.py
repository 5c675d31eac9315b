"""Importing junyanz/BicycleGAN latest_net_G.pth (+ latest_net_E.pth) files."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model
from ganstudio.checkpoints.convert import main as convert_main
from ganstudio.models.bicyclegan import BicycleGenerator, ResNetEncoder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BICYCLE = FIXTURES / "bicyclegan"
NAMES = ("all6_instance", "all6_batch_bilinear", "input6_none", "input6_batch")


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("name", NAMES)
def test_fixture_loads_with_its_encoder_and_matches(name: str) -> None:
    io = torch.load(BICYCLE / f"{name}_io.pt", weights_only=True)
    hints = {"nl": io["config"]["G"]["nl"]}
    if io["config"]["G"]["where_add"] == "input":
        hints["arch"] = "bicyclegan_unet"  # nested like pix2pix's U-Net: asked for by name
    loaded = load_model(BICYCLE / f"{name}_net_G.pth", **hints)
    assert loaded.arch == "bicyclegan_unet"
    assert loaded.config["where_add"] == io["config"]["G"]["where_add"]
    assert {"image_translation", "style_code", "style_image"} <= loaded.capabilities
    encoder = loaded.parts["encoder"]  # latest_net_E.pth beside it is joined by itself
    with torch.no_grad():
        assert rel(loaded.module(io["x"].float(), io["z"]), io["expected_G"]) <= 1e-4
        assert rel(encoder.module(io["y"].float())[0], io["expected_mu"]) <= 1e-4


def test_generator_alone_has_no_style_image(tmp_path: Path) -> None:
    shutil.copy(BICYCLE / "all6_instance_net_G.pth", tmp_path / "latest_net_G.pth")
    loaded = load_model(tmp_path / "latest_net_G.pth")
    assert "style_code" in loaded.capabilities and "style_image" not in loaded.capabilities
    assert loaded.meta["assumed"] == ["nl", "use_dropout", "norm"]


def test_encoder_file_alone_and_explicit_join(tmp_path: Path) -> None:
    encoder = load_model(BICYCLE / "all6_instance_net_E.pth")
    assert encoder.arch == "bicyclegan_encoder"
    assert encoder.config == dict(input_nc=3, nz=8, nef=2, n_blocks=4, norm="instance", vae_like=True)
    shutil.copy(BICYCLE / "all6_instance_net_G.pth", tmp_path / "gen.pth")
    out = tmp_path / "joined.safetensors"
    assert convert_main([str(tmp_path / "gen.pth"), str(out), "--encoder", str(BICYCLE / "all6_instance_net_E.pth")]) == 0
    joined = load_model(out)
    assert "style_image" in joined.capabilities and joined.parts["encoder"].config["n_blocks"] == 4


def test_damaged_encoder_beside_it_leaves_a_note(tmp_path: Path) -> None:
    shutil.copy(BICYCLE / "all6_instance_net_G.pth", tmp_path / "latest_net_G.pth")
    (tmp_path / "latest_net_E.pth").write_bytes(b"PK\x03\x04 not really")
    loaded = load_model(tmp_path / "latest_net_G.pth")
    assert "encoder" not in loaded.parts
    assert "latest_net_E.pth" in loaded.meta["notes"][0]


@pytest.mark.parametrize("preset, resolution, domains", [
    ("edges2shoes", 256, ("edges", "shoes")), ("edges2handbags", 256, ("edges", "handbags")), ("night2day", 256, ("night", "day")),
    ("facades", 256, ("labels", "facades")), ("map2aerial", 512, ("map", "aerial photo")),
])
def test_preset_names_domains_and_size(preset: str, resolution: int, domains: tuple[str, str]) -> None:
    loaded = load_model(BICYCLE / "all6_instance_net_G.pth", preset=preset)
    assert loaded.meta["resolution"] == resolution
    assert loaded.meta["provenance"]["domains"] == {"A": domains[0], "B": domains[1]}


def test_unknown_preset_is_refused_in_our_words() -> None:
    with pytest.raises(CheckpointError, match="not a known preset.*night2day"):
        load_model(BICYCLE / "all6_instance_net_G.pth", preset="day2night")


def test_pix2pix_files_stay_pix2pix() -> None:
    for path in sorted((FIXTURES / "pix2pix").glob("*_net_G.pth")):
        assert load_model(path).arch == "pix2pix_unet", path.name


def test_mismatched_encoder_is_refused(tmp_path: Path) -> None:
    state = torch.load(BICYCLE / "all6_instance_net_E.pth", weights_only=True)
    state["fcVar.0.weight"] = state["fcVar.0.weight"][:3]
    torch.save(state, tmp_path / "bad_net_E.pth")
    with pytest.raises(CheckpointError, match="BicycleGAN encoder"):
        load_model(tmp_path / "bad_net_E.pth")


@pytest.mark.parametrize("config", [
    dict(input_nc=3, output_nc=3, nz=8, num_downs=7, ngf=2, norm="instance", upsample="basic", where_add="all"),
    dict(input_nc=1, output_nc=3, nz=16, num_downs=6, ngf=3, norm="batch", upsample="bilinear", where_add="all"),
    dict(input_nc=3, output_nc=1, nz=8, num_downs=6, ngf=2, norm="instance", upsample="basic", where_add="input"),
    dict(input_nc=1, output_nc=3, nz=8, num_downs=5, ngf=2, norm="batch", upsample="bilinear", where_add="input"),
])
def test_sweep_build_save_detect(config: dict, tmp_path: Path) -> None:
    torch.manual_seed(0)
    G = BicycleGenerator(**config).eval()
    E = ResNetEncoder(input_nc=config["output_nc"], nz=config["nz"], nef=2, n_blocks=3, norm=config["norm"]).eval()
    torch.save(G.state_dict(), tmp_path / "latest_net_G.pth")
    torch.save(E.state_dict(), tmp_path / "latest_net_E.pth")
    hints = {"arch": "bicyclegan_unet"} if config["where_add"] == "input" else {}
    loaded = load_model(tmp_path / "latest_net_G.pth", **hints)
    assert {k: loaded.config[k] for k in config} == config
    side = 2 ** config["num_downs"]
    x = torch.rand(2, config["input_nc"], side, side) * 2 - 1
    z = torch.randn(2, config["nz"])
    with torch.no_grad():
        assert rel(loaded.module(x, z), G(x, z)) <= 1e-6
    assert loaded.parts["encoder"].config["norm"] == config["norm"]
