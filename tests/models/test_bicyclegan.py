"""BicycleGAN networks against the reference code's outputs (tests/fixtures/bicyclegan, see its README entry)."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ganstudio.models.bicyclegan import BicycleGenerator, BicycleTranslator, ResNetEncoder, translator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bicyclegan"
NAMES = ("all6_instance", "all6_batch_bilinear", "input6_none", "input6_batch")


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def build(name: str) -> tuple[BicycleGenerator, ResNetEncoder, dict]:
    io = torch.load(FIXTURES / f"{name}_io.pt", weights_only=True)
    g, e = io["config"]["G"], io["config"]["E"]
    G = BicycleGenerator(**g)
    E = ResNetEncoder(input_nc=g["output_nc"], nz=g["nz"], nef=e["nef"], n_blocks=e["n_blocks"], norm=e["norm"])
    G.load_state_dict(torch.load(FIXTURES / f"{name}_net_G.pth", weights_only=True), strict=True)
    E.load_state_dict(torch.load(FIXTURES / f"{name}_net_E.pth", weights_only=True), strict=True)
    return G.eval(), E.eval(), io


@pytest.mark.parametrize("name", NAMES)
def test_generator_and_encoder_match_reference(name: str) -> None:
    G, E, io = build(name)
    with torch.no_grad():
        out = G(io["x"].float(), io["z"])
        mu, logvar = E(io["y"].float())
    assert out.std() > 0.05  # the fixture exercises the network, not a saturated constant
    assert rel(out, io["expected_G"]) <= 1e-4
    assert rel(mu, io["expected_mu"]) <= 1e-4
    assert rel(logvar, io["expected_logvar"]) <= 1e-4


def test_z_changes_the_output_at_every_level() -> None:
    G, _, io = build("all6_instance")
    x = io["x"].float()
    with torch.no_grad():
        a = G(x, torch.zeros_like(io["z"]))
        b = G(x, torch.ones_like(io["z"]))
    assert rel(a, b) > 0.01


def test_translator_styles_and_encoding() -> None:
    G, E, io = build("all6_batch_bilinear")
    module = translator(G, {"encoder": E}, "AtoB")
    assert isinstance(module, BicycleTranslator) and module.can_encode_style
    assert module.style_dim == 4 and module.size_multiple == 64 and module.config["input_nc"] == 3
    styles = module.random_styles(3, seed=7)
    assert torch.equal(styles, module.random_styles(3, seed=7)) and styles.shape == (3, 4)
    x = io["x"].float()[:1]
    with torch.no_grad():
        outs = [module(x, styles[i:i + 1]) for i in range(3)]
        assert rel(outs[0], outs[1]) > 1e-3
        # a reference at another size is resized to the encoder's 64 px; at its own size it is E's mu exactly
        y = io["y"].float()
        assert torch.allclose(module.encode_style(y), E(y)[0])
        assert module.encode_style(torch.nn.functional.interpolate(y, size=(96, 80))).shape == (2, 4)
        # one style broadcasts over a batch
        assert module(io["x"].float(), styles[:1]).shape == (2, 3, 64, 64)


def test_translator_without_encoder_and_other_direction() -> None:
    G, _, _ = build("input6_none")
    module = translator(G, {}, "AtoB")
    assert not module.can_encode_style
    with pytest.raises(ValueError, match="no style encoder"):
        module.encode_style(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match="one way only"):
        translator(G, {}, "BtoA")


@pytest.mark.parametrize("bad, match", [
    (dict(x=torch.zeros(1, 3, 48, 64)), "multiples of 64"),
    (dict(x=torch.zeros(1, 1, 64, 64)), "input channels"),
    (dict(z=torch.zeros(1, 5)), r"z must be \[N, 4\]"),
    (dict(x=torch.zeros(3, 3, 64, 64), z=torch.zeros(2, 4)), "2 codes for 3 images"),
])
def test_bad_inputs_are_refused(bad: dict, match: str) -> None:
    G, _, _ = build("all6_batch_bilinear")
    args = {"x": torch.zeros(1, 3, 64, 64), "z": torch.zeros(1, 4), **bad}
    with pytest.raises(ValueError, match=match):
        G(args["x"], args["z"])


def test_encoder_refuses_other_sizes_and_bad_configs() -> None:
    _, E, _ = build("all6_instance")
    with pytest.raises(ValueError, match="takes 128x128"):
        E(torch.zeros(1, 3, 64, 64))
    with pytest.raises(ValueError, match="at least 6"):
        BicycleGenerator(num_downs=5, where_add="all")
    with pytest.raises(ValueError, match="norm must be"):
        BicycleGenerator(norm="group")
