"""MUNIT against NVlabs/MUNIT's own outputs (tests/fixtures/munit, see NOTES.md there)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model
from ganstudio.models import munit
from ganstudio.models.munit_blocks import AdaptiveInstanceNorm2d, LayerNorm
from ganstudio.models.registry import arch_of, build

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "munit"
CASES = {"munit_d2_r2": {}, "munit_d1_prelu_zero": {"padding_type": "zero"}}


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).norm() / b.float().norm().clamp_min(1e-12))


def _load(name: str, hints: dict):
    loaded = load_model(FIXTURES / f"{name}_gen_00000001.pt", **hints)
    io = torch.load(FIXTURES / f"{name}_io.pt", weights_only=True)
    return loaded, io["tensors"], io["config"]


@pytest.mark.parametrize("name", sorted(CASES))
@torch.no_grad()
def test_encode_decode_translate_match_the_reference(name):
    loaded, t, spec = _load(name, CASES[name])
    assert loaded.arch == "munit" and set(loaded.parts) == {"domain_b"}
    gen_a, gen_b = loaded.module, loaded.parts["domain_b"].module
    assert {k: gen_a.config[k] for k in spec["gen"]} == spec["gen"] and gen_a.config["input_dim"] == spec["dims"][0]
    assert gen_b.config["input_dim"] == spec["dims"][1]
    c_a, s_a_enc = gen_a.encode(t["x_a"])
    c_b, s_b_enc = gen_b.encode(t["x_b"])
    ours = {
        "c_a": c_a, "c_b": c_b, "s_a_enc": s_a_enc, "s_b_enc": s_b_enc,
        "x_a_recon": gen_a.decode(c_a, s_a_enc), "x_b_recon": gen_b.decode(c_b, s_b_enc),
        "x_ab": gen_b.decode(c_a, t["s_b"]), "x_ba": gen_a.decode(c_b, t["s_a"]),
    }
    for key, value in ours.items():
        assert value.shape == t[key].shape, key
        assert rel(value, t[key]) <= 1e-4, (key, rel(value, t[key]))


@pytest.mark.parametrize("name", sorted(CASES))
@torch.no_grad()
def test_translators_both_directions_and_reference_style(name):
    loaded, t, _ = _load(name, CASES[name])
    parts = {k: v.module for k, v in loaded.parts.items()}
    a_to_b = munit.translator(loaded.module, parts, "AtoB")
    b_to_a = munit.translator(loaded.module, parts, "BtoA")
    assert a_to_b.can_encode_style and a_to_b.style_dim == loaded.module.config["style_dim"]
    assert rel(a_to_b(t["x_a"], t["s_b"].flatten(1)), t["x_ab"]) <= 1e-4
    assert rel(b_to_a(t["x_b"], t["s_a"].flatten(1)), t["x_ba"]) <= 1e-4
    # "style from image": B's style encoder on a B photo, then A -> B with that style
    style = a_to_b.encode_style(t["x_b"])
    assert style.shape == (2, a_to_b.style_dim)
    assert rel(a_to_b(t["x_a"], style), t["x_ab_ref"]) <= 1e-4
    # one style broadcasts over a batch
    one = a_to_b(t["x_a"], t["s_b"][:1].flatten(1))
    assert rel(one[1:], a_to_b(t["x_a"][1:], t["s_b"][:1].flatten(1))) <= 1e-5


def test_random_styles_are_seeded_and_differ():
    torch.manual_seed(0)
    gen = build("munit", dict(dim=2, style_dim=8, n_downsample=1, n_res=1, mlp_dim=4))
    tr = munit.translator(gen, {"domain_b": gen}, "AtoB")
    assert torch.equal(tr.random_styles(3, 5), tr.random_styles(3, 5))
    assert not torch.equal(tr.random_styles(3, 5), tr.random_styles(3, 6))
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        outs = [tr(x, s[None]) for s in tr.random_styles(3, 1)]
    assert (outs[0] - outs[1]).abs().mean() > 1e-3  # different styles, different images


@torch.no_grad()
def test_legacy_pytorch03_file_loads_with_its_instance_norm_buffers_dropped():
    loaded = load_model(FIXTURES / "legacy03_gen_00000001.pt")
    io = torch.load(FIXTURES / "legacy03_io.pt", weights_only=True)
    assert sorted(loaded.meta["dropped_keys"]) == io["dropped"]  # exactly what pytorch03_to_pytorch04 deletes
    gen_a, gen_b = loaded.module, loaded.parts["domain_b"].module
    c, s = gen_a.encode(io["tensors"]["x_a"])
    assert rel(gen_b.decode(c, s), io["tensors"]["x_ab_own_style"]) <= 1e-4
    assert rel(gen_a.decode(c, s), io["tensors"]["x_a_recon"]) <= 1e-4


def test_state_dict_layout():
    gen = munit.AdaINGen(dim=4, style_dim=8, n_downsample=2, n_res=3, mlp_dim=16)
    assert arch_of(gen) == "munit"
    state = gen.state_dict()
    # AdaIN keeps the reference's unused buffers and no weights; the decoder's LayerNorm has gamma/beta
    assert "dec.model.0.model.2.model.1.norm.running_mean" in state and "dec.model.0.model.0.model.0.norm.weight" not in state
    assert state["dec.model.2.norm.gamma"].shape == (8,) and "dec.model.4.norm.beta" in state
    assert state["enc_style.model.6.weight"].shape == (8, 16, 1, 1)
    assert state["mlp.model.2.fc.weight"].shape == (2 * 2 * 3 * 16, 16)  # 3 blocks x 2 AdaIN x (mean, std) x 16 channels
    assert not any(k.startswith("enc_content") and "running" in k for k in state)
    assert sum(isinstance(m, AdaptiveInstanceNorm2d) for m in gen.modules()) == 6
    assert sum(isinstance(m, LayerNorm) for m in gen.modules()) == 2
    assert build("munit", gen.config).state_dict().keys() == state.keys()


def test_decoding_without_a_style_is_refused():
    gen = munit.AdaINGen(dim=2, style_dim=2, n_downsample=1, n_res=1, mlp_dim=4)
    with pytest.raises(RuntimeError, match="style"):
        gen.dec(torch.zeros(1, 4, 4, 4))


def test_a_file_with_one_domain_cannot_translate():
    gen = munit.AdaINGen(dim=2, style_dim=2, n_downsample=1, n_res=1, mlp_dim=4)
    with pytest.raises(ValueError, match="both"):
        munit.translator(gen, {}, "AtoB")
    with pytest.raises(ValueError, match="direction"):
        munit.translator(gen, {"domain_b": gen}, "sideways")
