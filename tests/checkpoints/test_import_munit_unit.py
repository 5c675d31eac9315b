"""Importing MUNIT / UNIT gen_*.pt files: configurations read from the weights, presets and hints, one-network
files, and files that look like them but do not fit."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model
from ganstudio.checkpoints.containers import canonical_state_dict
from ganstudio.models.munit import AdaINGen
from ganstudio.models.munit_blocks import MsImageDis
from ganstudio.models.unit import VAEGen

MUNIT_SWEEP = [
    dict(input_dim=3, dim=2, style_dim=8, n_downsample=2, n_res=4, mlp_dim=8),
    dict(input_dim=1, dim=3, style_dim=2, n_downsample=3, n_res=1, mlp_dim=5),
    dict(input_dim=3, dim=2, style_dim=4, n_downsample=0, n_res=2, mlp_dim=3, activ="prelu"),
]
UNIT_SWEEP = [dict(input_dim=3, dim=2, n_downsample=2, n_res=4), dict(input_dim=4, dim=1, n_downsample=4, n_res=1),
              dict(input_dim=3, dim=3, n_downsample=1, n_res=2, activ="prelu")]


def _pair_file(path: Path, cls, config: dict, seed: int = 0) -> tuple[Path, torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    a, b = cls(**config).eval(), cls(**config).eval()
    torch.save({"a": a.state_dict(), "b": b.state_dict()}, path)
    return path, a, b


@pytest.mark.parametrize("config", MUNIT_SWEEP)
def test_munit_sweep_reads_the_config_and_gives_the_same_output(tmp_path, config):
    path, a, b = _pair_file(tmp_path / "gen_00100000.pt", AdaINGen, config)
    loaded = load_model(path)
    assert loaded.arch == "munit" and loaded.config == a.config and loaded.parts["domain_b"].config == b.config
    x = torch.rand(1, config["input_dim"], 16, 24) * 2 - 1
    s = torch.randn(1, config["style_dim"])
    with torch.no_grad():
        c, _ = a.encode(x)
        torch.testing.assert_close(loaded.parts["domain_b"].module.decode(loaded.module.enc_content(x), s), b.decode(c, s))


@pytest.mark.parametrize("config", UNIT_SWEEP)
def test_unit_sweep_reads_the_config_and_gives_the_same_output(tmp_path, config):
    path, a, b = _pair_file(tmp_path / "gen_00100000.pt", VAEGen, config)
    loaded = load_model(path)
    assert loaded.arch == "unit" and loaded.config == a.config and loaded.parts["domain_b"].config == b.config
    x = torch.rand(1, config["input_dim"], 32, 32) * 2 - 1
    with torch.no_grad():
        torch.testing.assert_close(loaded.parts["domain_b"].module.decode(loaded.module.encode(x)), b.decode(a.encode(x)))


def test_container_keeps_the_two_domains_apart():
    state = canonical_state_dict({"a": {"w": torch.zeros(1)}, "b": {"module.w": torch.ones(1)}})
    assert set(state) == {"a.w", "b.w"}
    assert canonical_state_dict({"a": {"w": torch.zeros(1)}, "b": "text"}) is None  # not two state dicts


def test_preset_names_the_domains_and_the_size(tmp_path):
    path, _, _ = _pair_file(tmp_path / "gen.pt", AdaINGen, MUNIT_SWEEP[0])
    loaded = load_model(path, preset="edges2shoes")
    assert loaded.meta["provenance"]["domains"] == {"A": "edges", "B": "shoes"} and loaded.resolution == 256
    unit_path, _, _ = _pair_file(tmp_path / "unit.pt", VAEGen, UNIT_SWEEP[0])
    assert load_model(unit_path, preset="gta2city").resolution == 512
    assert load_model(path, resolution=128).resolution == 128
    with pytest.raises(CheckpointError, match="preset"):
        load_model(path, preset="edges2teapots")


def test_hints_set_what_the_weights_cannot_tell(tmp_path):
    path, _, _ = _pair_file(tmp_path / "gen.pt", VAEGen, UNIT_SWEEP[0])
    loaded = load_model(path, padding_type="zero", activ="selu")
    assert loaded.config["pad_type"] == "zero" and loaded.config["activ"] == "selu"
    assert loaded.parts["domain_b"].config["activ"] == "selu"
    with pytest.raises(CheckpointError, match="PReLU"):
        load_model(path, activ="prelu")
    with pytest.raises(CheckpointError, match="activ"):
        load_model(path, activ="sparkle")


def test_one_bare_network_loads_alone(tmp_path):
    torch.manual_seed(0)
    gen = AdaINGen(**MUNIT_SWEEP[0])
    torch.save(gen.state_dict(), tmp_path / "gen_a.pth")
    loaded = load_model(tmp_path / "gen_a.pth")
    assert loaded.arch == "munit" and not loaded.parts


def test_each_family_claims_only_its_own_files(tmp_path):
    munit_path, _, _ = _pair_file(tmp_path / "munit.pt", AdaINGen, MUNIT_SWEEP[0])
    unit_path, _, _ = _pair_file(tmp_path / "unit.pt", VAEGen, UNIT_SWEEP[0])
    assert load_model(munit_path).arch == "munit" and load_model(unit_path).arch == "unit"
    with pytest.raises(CheckpointError, match="unit|munit"):
        load_model(munit_path, arch="unit")
    # the discriminators' dis_*.pt has the same {'a', 'b'} layout but is no generator
    dis = MsImageDis(dim=2, n_layer=2, num_scales=2)
    torch.save({"a": dis.state_dict(), "b": dis.state_dict()}, tmp_path / "dis_00100000.pt")
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_model(tmp_path / "dis_00100000.pt")


def test_damaged_files_are_refused_naming_what_does_not_fit(tmp_path):
    torch.manual_seed(0)
    a, b = AdaINGen(**MUNIT_SWEEP[0]).state_dict(), AdaINGen(**MUNIT_SWEEP[0]).state_dict()
    missing = dict(b)
    del missing["mlp.model.1.fc.weight"]
    torch.save({"a": a, "b": missing}, tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="mlp.model.1.fc.weight"):
        load_model(tmp_path / "missing.pt")
    resized = dict(a)
    resized["dec.model.2.conv.weight"] = torch.zeros(4, 8, 3, 3)
    torch.save({"a": resized, "b": b}, tmp_path / "resized.pt")
    with pytest.raises(CheckpointError, match="dec.model.2.conv.weight"):
        load_model(tmp_path / "resized.pt")
    no_style = {k: v for k, v in a.items() if not k.startswith("enc_style.model.6")}
    torch.save({"a": no_style, "b": b}, tmp_path / "nostyle.pt")
    with pytest.raises(CheckpointError, match="enc_style.model.6.weight"):
        load_model(tmp_path / "nostyle.pt")
    wide = dict(a)
    for key in [k for k in a if k.startswith("mlp.")]:
        del wide[key]
    wide.update({f"mlp.model.{i}.fc.weight": torch.zeros(2, 2) for i in range(4)})
    torch.save({"a": wide, "b": b}, tmp_path / "mlp.pt")
    with pytest.raises(CheckpointError, match="MLP"):
        load_model(tmp_path / "mlp.pt")


@pytest.mark.parametrize("arch", ["munit", "unit"])
def test_native_file_with_a_content_code_too_wide_is_refused_before_building(tmp_path, arch):
    from hostile_files import tensors_of, tiny_networks, write_native

    net = tiny_networks()[arch]
    config = {**net.config, "dim": 512, "n_downsample": 5}  # 16384 channels in the content code
    path = write_native(tmp_path / f"{arch}.safetensors", {"arch": arch, "config": config}, tensors_of(net))
    with pytest.raises(CheckpointError, match="n_downsample"):
        load_model(path)
