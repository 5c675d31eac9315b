"""Golden tests: pytorch/examples DCGAN, Lornatang's WGAN-GP and pytorch_GAN_zoo PGAN files load strictly and
give the reference's images (tests/fixtures/tools/make_classic_fixtures.py); damaged or hostile files are refused."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from load_failures import ShellPayload, expect_error

from ganstudio.checkpoints import CheckpointError, importers, load_model, save_model
from ganstudio.checkpoints.safe_pickle import PickledConfig
from ganstudio.models.dcgan import DCGANGenerator
from ganstudio.models.progan import ProGANGenerator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOLERANCE = 1e-4
CASES = [  # file, expected output, arch, config entries the file implies
    ("dcgan/netG_epoch_2.pth", "dcgan/netG_epoch_2_expected.pt", "dcgan", {"final_bias": False, "ngf": 8, "z_dim": 16}),
    ("dcgan/wgangp_lsun_tiny.pth", "dcgan/wgangp_lsun_tiny_expected.pt", "dcgan", {"final_bias": True}),
    ("dcgan/zoo_dcgan.pt", "dcgan/zoo_dcgan_expected.pt", "dcgan", {"output_activation": "tanh", "ngf": 8, "z_dim": 16}),
    ("progan/pgan_s2.pt", "progan/pgan_s2_expected.pt", "progan", {"alpha": 0.0, "depth_other_scales": [16, 8],
                                                                   "output_activation": "none"}),
    ("progan/pgan_s2_alpha.pt", "progan/pgan_s2_alpha_expected.pt", "progan", {"alpha": 0.3}),
    ("progan/pgan_s2_nomodule.pt", "progan/pgan_s2_expected.pt", "progan", {"z_dim": 12}),
]


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reference_file_loads_strictly_and_matches(case) -> None:
    path, expected_path, arch, config = case
    loaded = load_model(FIXTURES / path)
    expected = torch.load(FIXTURES / expected_path, weights_only=True)
    assert loaded.arch == arch and {k: loaded.config[k] for k in config} == config
    assert loaded.resolution == expected["image"].shape[-1]
    assert "latent_space" in loaded.capabilities and "z_only_latent" in loaded.capabilities
    # the importer's state fits the network exactly (load_model loads strictly)
    assert set(loaded.module.state_dict()) == set(dict(loaded.module.named_parameters())) | set(dict(loaded.module.named_buffers()))
    with torch.no_grad():
        image = loaded.module.eval()(expected["z"])
    assert image.shape == expected["image"].shape
    assert rel_err(image, expected["image"]) < TOLERANCE  # measured: 0 (same operations in the same order)


def test_pgan_config_is_inert_data() -> None:
    """The pickled BaseConfig comes back as a dict of its attributes: nothing of pytorch_GAN_zoo is imported."""
    obj = torch.load(FIXTURES / "progan/pgan_s2_alpha.pt", weights_only=True)
    config = obj["config"]
    assert type(config) is PickledConfig and config["alpha"] == 0.3 and config["depthOtherScales"] == [16, 8]
    assert sorted(k for k in obj) == ["avgG", "config", "netD", "netG"]
    import sys

    assert "models.utils.config" not in sys.modules


def test_zoo_loss_decides_the_output_activation() -> None:
    """A PGAN trained with the zoo's MSE or DCGAN loss ends in tanh (the file's config says so; here the same hint)."""
    expected = torch.load(FIXTURES / "progan/pgan_s2_expected.pt", weights_only=True)
    loaded = load_model(FIXTURES / "progan/pgan_s2.pt", loss_criterion="DCGAN")
    assert loaded.config["output_activation"] == "tanh"
    with torch.no_grad():
        assert rel_err(loaded.module(expected["z"]), torch.tanh(expected["image"])) < TOLERANCE
    zoo_dcgan = torch.load(FIXTURES / "dcgan/zoo_dcgan.pt", weights_only=True)
    assert zoo_dcgan["config"]["lossCriterion"] == "DCGAN"  # read from the pickled config, as the hint above
    assert load_model(FIXTURES / "dcgan/zoo_dcgan.pt", loss_criterion="WGANGP").config["output_activation"] == "none"


def test_pgan_file_runs_the_averaged_generator(tmp_path: Path) -> None:
    """avgG is what pytorch_GAN_zoo's test runs: with netG made different, the output still matches avgG's."""
    obj = _pgan_state()
    obj["netG"] = {k: torch.zeros_like(v) for k, v in obj["netG"].items()}
    torch.save(obj, tmp_path / "changed.pt")
    expected = torch.load(FIXTURES / "progan/pgan_s2_expected.pt", weights_only=True)
    with torch.no_grad():
        image = load_model(tmp_path / "changed.pt").module(expected["z"])
    assert rel_err(image, expected["image"]) < TOLERANCE


@pytest.mark.parametrize("arch", ["dcgan", "progan"])
def test_sweep_build_save_detect(arch, tmp_path: Path) -> None:
    """Other sizes: build, save as the reference would (a plain state dict), detect, same output."""
    configs = {
        "dcgan": [dict(z_dim=8, ngf=4, img_resolution=32), dict(z_dim=8, ngf=4, img_resolution=128, img_channels=1)],
        "progan": [dict(z_dim=8, depth_scale0=8, depth_other_scales=[]), dict(z_dim=8, depth_scale0=8, depth_other_scales=[8, 4, 4], img_channels=1)],
    }[arch]
    for index, config in enumerate(configs):
        torch.manual_seed(index)
        net = (DCGANGenerator if arch == "dcgan" else ProGANGenerator)(**config).eval()
        torch.save(net.state_dict(), tmp_path / f"{index}.pth")
        loaded = load_model(tmp_path / f"{index}.pth")
        assert loaded.arch == arch and all(loaded.config[k] == v for k, v in config.items())
        z = torch.randn(2, 8)
        with torch.no_grad():
            assert torch.equal(loaded.module.eval()(z), net(z))


def test_native_round_trip_keeps_config(tmp_path: Path) -> None:
    net = ProGANGenerator(z_dim=8, depth_scale0=8, depth_other_scales=[4], alpha=0.25)
    loaded = load_model(save_model(net, tmp_path / "p.safetensors", resolution=8))
    assert loaded.config["alpha"] == 0.25 and loaded.module.alpha == 0.25


# -- bad input -----------------------------------------------------------------------------

def _pgan_state() -> dict:
    """The fixture's contents with `config` as a plain dict (our stand-in class is not something to save again)."""
    obj = torch.load(FIXTURES / "progan/pgan_s2.pt", weights_only=True)
    obj["config"] = dict(obj["config"])
    return obj


def test_pgan_with_a_missing_scale_names_it(tmp_path: Path) -> None:
    obj = _pgan_state()
    obj["avgG"] = {k: v for k, v in obj["avgG"].items() if not k.startswith("scaleLayers.1.")}
    torch.save(obj, tmp_path / "missing.pt")
    expect_error(tmp_path / "missing.pt", "scaleLayers.1.0.module.weight")


def test_pgan_with_a_wrong_shape_names_the_key(tmp_path: Path) -> None:
    obj = _pgan_state()
    obj["avgG"]["scaleLayers.0.1.module.weight"] = torch.zeros(16, 15, 3, 3)
    torch.save(obj, tmp_path / "shape.pt")
    expect_error(tmp_path / "shape.pt", "PGAN", "scaleLayers.0.1.module.weight")


def test_pgan_format_layer_not_a_multiple_of_16(tmp_path: Path) -> None:
    obj = _pgan_state()
    obj["avgG"]["formatLayer.module.weight"] = torch.zeros(250, 12)
    torch.save(obj, tmp_path / "format.pt")
    expect_error(tmp_path / "format.pt", "formatLayer.module.weight")


def test_pgan_huge_depth_is_refused_before_building(tmp_path: Path) -> None:
    """A format layer claiming 16 * 2^20 channels from a small file: the shape check refuses it, nothing is allocated."""
    obj = _pgan_state()
    obj["avgG"]["formatLayer.module.weight"] = torch.zeros(1, 12).expand(16 * 2**20, 12)
    state = {"avgG": obj["avgG"]}
    torch.save(state, tmp_path / "huge.pt")
    with pytest.raises(CheckpointError):
        load_model(tmp_path / "huge.pt")


def test_pgan_config_with_code_is_refused(tmp_path: Path) -> None:
    """A `config` whose unpickling would run a command: refused, and the command never runs."""
    marker = tmp_path / "ran"
    obj = _pgan_state()
    obj["config"] = ShellPayload(marker)
    torch.save(obj, tmp_path / "payload.pt")
    expect_error(tmp_path / "payload.pt", "refused")
    assert not marker.exists()


def test_dcgan_with_a_wrong_batch_norm_names_it(tmp_path: Path) -> None:
    state = torch.load(FIXTURES / "dcgan/netG_epoch_2.pth", weights_only=True)
    state["main.4.running_var"] = torch.ones(7)
    torch.save(state, tmp_path / "bn.pth")
    expect_error(tmp_path / "bn.pth", "DCGAN", "main.4")


def test_dcgan_discriminator_file_is_not_taken_for_a_generator(tmp_path: Path) -> None:
    """pytorch/examples' netD (a plain convolution first, LeakyReLU at main.1) is no generator of this family."""
    from ganstudio.models.dcgan import DCGANDiscriminator

    state = DCGANDiscriminator(ndf=4, sigmoid=True).state_dict()
    assert importers.dcgan.detect(state, {}) is None


def test_pre_0_4_dcgan_file_without_batch_counts_loads(tmp_path: Path) -> None:
    state = torch.load(FIXTURES / "dcgan/netG_epoch_2.pth", weights_only=True)
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    torch.save(state, tmp_path / "old.pth")
    expected = torch.load(FIXTURES / "dcgan/netG_epoch_2_expected.pt", weights_only=True)
    with torch.no_grad():
        image = load_model(tmp_path / "old.pth").module.eval()(expected["z"])
    assert rel_err(image, expected["image"]) < TOLERANCE


@pytest.mark.parametrize("change, says", [
    ({"depth_other_scales": [4] * 9}, "more than the largest supported 8"),
    ({"depth_other_scales": [4, 10**6]}, "depth_other_scales[1]"),
    ({"depth_other_scales": "4,4"}, "must be a list"),
    ({"depth_other_scales": [4, True]}, "whole number"),
    ({"alpha": 1.5}, "alpha"),
])
def test_native_progan_with_a_hostile_config_is_refused(change, says, tmp_path: Path) -> None:
    from hostile_files import tensors_of, write_native

    net = ProGANGenerator(z_dim=4, depth_scale0=4, depth_other_scales=[4])
    path = write_native(tmp_path / "bad.safetensors", {"arch": "progan", "config": {**net.config, **change}}, tensors_of(net))
    expect_error(path, says)


def test_native_dcgan_resolution_must_be_a_power_of_two(tmp_path: Path) -> None:
    from hostile_files import tensors_of, write_native

    net = DCGANGenerator(z_dim=4, ngf=1, img_resolution=16)
    path = write_native(tmp_path / "bad.safetensors", {"arch": "dcgan", "config": {**net.config, "img_resolution": 48}}, tensors_of(net))
    expect_error(path, "img_resolution", "power of two")
