"""UNIT against mingyuliutw/UNIT's own outputs (tests/fixtures/unit, see NOTES.md there)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.models import unit
from ganstudio.models.registry import arch_of, build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "unit"
CASES = {"unit_d2_r2": {}, "unit_d3_r1_lrelu": {"activ": "lrelu"}}


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).norm() / b.float().norm().clamp_min(1e-12))


@pytest.mark.parametrize("name", sorted(CASES))
@torch.no_grad()
def test_encode_decode_translate_match_the_reference(name):
    loaded = load_model(FIXTURES / f"{name}_gen_00000001.pt", **CASES[name])
    io = torch.load(FIXTURES / f"{name}_io.pt", weights_only=True)
    t, spec = io["tensors"], io["config"]
    assert loaded.arch == "unit" and set(loaded.parts) == {"domain_b"}
    gen_a, gen_b = loaded.module, loaded.parts["domain_b"].module
    assert {k: gen_a.config[k] for k in spec["gen"]} == spec["gen"]
    h_a, h_b = gen_a.encode(t["x_a"]), gen_b.encode(t["x_b"])
    ours = {"h_a": h_a, "h_b": h_b, "x_a_recon": gen_a.decode(h_a), "x_b_recon": gen_b.decode(h_b),
            "x_ab": gen_b.decode(h_a), "x_ba": gen_a.decode(h_b)}
    for key, value in ours.items():
        assert rel(value, t[key]) <= 1e-4, (key, rel(value, t[key]))
    parts = {"domain_b": gen_b}
    assert rel(unit.translator(gen_a, parts, "AtoB")(t["x_a"]), t["x_ab"]) <= 1e-4
    assert rel(unit.translator(gen_a, parts, "BtoA")(t["x_b"]), t["x_ba"]) <= 1e-4
    assert rel(gen_a(t["x_a"]), t["x_a_recon"]) <= 1e-4


def test_without_the_activation_hint_the_lrelu_file_loads_but_differs():
    """The activation leaves no weights: a wrong guess loads strictly and gives other images (why the hint exists)."""
    loaded = load_model(FIXTURES / "unit_d3_r1_lrelu_gen_00000001.pt")
    t = torch.load(FIXTURES / "unit_d3_r1_lrelu_io.pt", weights_only=True)["tensors"]
    assert loaded.config["activ"] == "relu"
    with torch.no_grad():
        assert rel(loaded.module(t["x_a"]), t["x_a_recon"]) > 1e-3


@torch.no_grad()
def test_legacy_pytorch03_file_loads_with_its_instance_norm_buffers_dropped():
    loaded = load_model(FIXTURES / "legacy03_gen_00000001.pt")
    io = torch.load(FIXTURES / "legacy03_io.pt", weights_only=True)
    assert sorted(loaded.meta["dropped_keys"]) == io["dropped"]
    h = loaded.module.encode(io["tensors"]["x_a"])
    assert rel(loaded.parts["domain_b"].module.decode(h), io["tensors"]["x_ab"]) <= 1e-4
    assert rel(loaded.module.decode(h), io["tensors"]["x_a_recon"]) <= 1e-4


def test_state_dict_layout():
    gen = unit.VAEGen(dim=4, n_downsample=2, n_res=2)
    assert arch_of(gen) == "unit"
    state = gen.state_dict()
    assert not any("running" in k for k in state)  # InstanceNorm everywhere but the LayerNorm upsampling
    assert state["dec.model.2.norm.gamma"].shape == (8,) and state["dec.model.5.conv.weight"].shape == (3, 4, 7, 7)
    assert build("unit", gen.config).state_dict().keys() == state.keys()
