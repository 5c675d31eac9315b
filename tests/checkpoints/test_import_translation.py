"""Official pix2pix / CycleGAN / PatchGAN / StarGAN files load and reproduce the reference.

The fixtures were produced by running the reference implementations (see
tests/fixtures/README.md); each case loads the reference-saved state dict
through `load_model` and compares with the reference output.
"""
from __future__ import annotations

import os

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model, save_model

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
TOLERANCE = 1e-4


def fixture(*parts: str) -> str:
    return os.path.join(FIXTURES, *parts)


def io(*parts: str) -> dict[str, torch.Tensor]:
    return torch.load(fixture(*parts), weights_only=True)


def rel_l2(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return float((actual - expected).norm() / expected.norm())


EVAL_CASES = [
    # file, io file, expected arch, config subset
    ("pix2pix/unet128_batch_dropout_net_G.pth", "pix2pix/unet128_batch_dropout_io.pt", "pix2pix_unet",
     {"num_downs": 7, "ngf": 2, "norm": "batch", "input_nc": 3, "output_nc": 1}),
    ("pix2pix/unet256_instance_net_G.pth", "pix2pix/unet256_instance_io.pt", "pix2pix_unet",
     {"num_downs": 8, "ngf": 2, "norm": "instance", "input_nc": 1, "output_nc": 1}),
    ("cyclegan/resnet9_instance_stale_net_G.pth", "cyclegan/resnet9_instance_stale_io.pt", "cyclegan_resnet",
     {"n_blocks": 9, "ngf": 4, "norm": "instance", "use_dropout": False, "padding_type": "reflect"}),
    ("cyclegan/resnet6_instance_stale_net_G.pth", "cyclegan/resnet6_instance_stale_io.pt", "cyclegan_resnet",
     {"n_blocks": 6, "ngf": 4, "norm": "instance", "use_dropout": False}),
    ("cyclegan/resnet6_batch_dropout_net_G.pth", "cyclegan/resnet6_batch_dropout_io.pt", "cyclegan_resnet",
     {"n_blocks": 6, "ngf": 4, "norm": "batch", "use_dropout": True}),
    ("patchgan/nlayer3_batch_net_D.pth", "patchgan/nlayer3_batch_io.pt", "patchgan",
     {"n_layers": 3, "ndf": 4, "norm": "batch", "input_nc": 6}),
]


@pytest.mark.parametrize("weights, io_file, arch, config", EVAL_CASES, ids=[c[0].split("/")[1] for c in EVAL_CASES])
def test_junyanz_file_matches_reference_in_eval_mode(weights, io_file, arch, config):
    loaded = load_model(fixture(*weights.split("/")))
    assert loaded.arch == arch
    assert config.items() <= loaded.config.items()
    assert not loaded.module.training
    data = io(*io_file.split("/"))
    with torch.no_grad():
        out = loaded.module(data["input"].float())
    assert out.shape == data["expected_eval"].shape
    assert rel_l2(out, data["expected_eval"]) <= TOLERANCE


@pytest.mark.parametrize("weights, io_file", [
    ("pix2pix/unet128_batch_dropout_net_G.pth", "pix2pix/unet128_batch_dropout_io.pt"),
    ("cyclegan/resnet6_batch_dropout_net_G.pth", "cyclegan/resnet6_batch_dropout_io.pt"),
])
def test_reference_test_mode_matches_reference_train_mode_forward(weights, io_file):
    """The reference test.py without --eval: dropout on, batch statistics, same RNG draws."""
    loaded = load_model(fixture(*weights.split("/")))
    data = io(*io_file.split("/"))
    before = {k: v.clone() for k, v in loaded.module.state_dict().items()}
    loaded.module.set_reference_test_mode(True)
    torch.manual_seed(int(data["test_mode_seed"]))
    with torch.no_grad():
        out = loaded.module(data["input"].float())
    assert rel_l2(out, data["expected_test_mode"]) <= TOLERANCE
    assert rel_l2(out, data["expected_eval"]) > 1e-2  # the mode really differs from eval
    after = loaded.module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "test mode must not touch the running statistics"
    loaded.module.set_reference_test_mode(False)
    with torch.no_grad():
        assert rel_l2(loaded.module(data["input"].float()), data["expected_eval"]) <= TOLERANCE


def test_stale_instance_norm_buffers_are_dropped():
    state = torch.load(fixture("cyclegan", "resnet6_instance_stale_net_G.pth"), weights_only=True)
    stale = [k for k in state if k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    assert stale  # the fixture carries them, like the published files
    loaded = load_model(fixture("cyclegan", "resnet6_instance_stale_net_G.pth"))
    assert sorted(loaded.meta["dropped_keys"]) == sorted(stale)
    assert not any(k.endswith("running_mean") for k in loaded.module.state_dict())


def test_legacy_pickle_file_without_num_batches_tracked_loads():
    path = fixture("cyclegan", "resnet9_instance_stale_net_G.pth")
    with open(path, "rb") as handle:
        assert handle.read(1) == b"\x80"  # old (pre-zip) torch.save format
    assert load_model(path).config["n_blocks"] == 9


def test_old_batchnorm_file_without_counters_loads(tmp_path):
    state = torch.load(fixture("pix2pix", "unet128_batch_dropout_net_G.pth"), weights_only=True)
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    path = tmp_path / "latest_net_G.pth"
    torch.save(old, path)
    data = io("pix2pix", "unet128_batch_dropout_io.pt")
    with torch.no_grad():
        out = load_model(path).module(data["input"].float())
    assert rel_l2(out, data["expected_eval"]) <= TOLERANCE


def test_stargan_generator_uses_per_image_statistics_like_the_official_test():
    loaded = load_model(fixture("stargan", "1000-G.ckpt"))
    assert loaded.arch == "stargan"
    assert loaded.config == {"conv_dim": 8, "c_dim": 5, "repeat_num": 2}
    assert loaded.attributes == ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
    assert loaded.resolution == 128
    assert not loaded.module.training
    data = io("stargan", "stargan_io.pt")
    with torch.no_grad():
        out = loaded.module(data["input"].float(), data["c"])
    assert rel_l2(out, data["expected_G"]) <= TOLERANCE


def test_stargan_discriminator_matches_reference():
    loaded = load_model(fixture("stargan", "1000-D.ckpt"))
    assert loaded.arch == "stargan_discriminator"
    assert loaded.config == {"image_size": 64, "conv_dim": 4, "c_dim": 5, "repeat_num": 5}
    data = io("stargan", "stargan_io.pt")
    with torch.no_grad():
        out_src, out_cls = loaded.module(data["input"].float())
    assert rel_l2(out_src, data["expected_D_src"]) <= TOLERANCE
    assert rel_l2(out_cls, data["expected_D_cls"]) <= TOLERANCE


def test_stargan_attribute_hints():
    names = ["a", "b", "c", "d", "e"]
    assert load_model(fixture("stargan", "1000-G.ckpt"), attributes=names).attributes == names
    with pytest.raises(CheckpointError, match="c_dim=5"):
        load_model(fixture("stargan", "1000-G.ckpt"), attributes=names[:3])


def test_stargan_file_without_running_stats_loads(tmp_path):
    state = torch.load(fixture("stargan", "1000-G.ckpt"), weights_only=True)
    path = tmp_path / "200000-G.ckpt"
    torch.save({k: v for k, v in state.items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}, path)
    data = io("stargan", "stargan_io.pt")
    with torch.no_grad():
        out = load_model(path).module(data["input"].float(), data["c"])
    assert rel_l2(out, data["expected_G"]) <= TOLERANCE


ROUND_TRIP = [
    ("pix2pix", "unet128_batch_dropout_net_G.pth", "unet128_batch_dropout_io.pt"),
    ("cyclegan", "resnet9_instance_stale_net_G.pth", "resnet9_instance_stale_io.pt"),
    ("patchgan", "nlayer3_batch_net_D.pth", "nlayer3_batch_io.pt"),
]


@pytest.mark.parametrize("family, weights, io_file", ROUND_TRIP)
def test_native_round_trip(tmp_path, family, weights, io_file):
    imported = load_model(fixture(family, weights))
    path = save_model(imported, tmp_path / "model.safetensors")
    native = load_model(path)
    assert native.arch == imported.arch and native.config == imported.config
    assert native.meta.get("resolution") == imported.meta.get("resolution")
    data = io(family, io_file)
    with torch.no_grad():
        out = native.module(data["input"].float())
    assert rel_l2(out, data["expected_eval"]) <= TOLERANCE


def test_stargan_native_round_trip_keeps_attributes(tmp_path):
    imported = load_model(fixture("stargan", "1000-G.ckpt"))
    native = load_model(save_model(imported, tmp_path / "stargan.safetensors"))
    assert native.attributes == imported.attributes
    data = io("stargan", "stargan_io.pt")
    with torch.no_grad():
        out = native.module(data["input"].float(), data["c"])
    assert rel_l2(out, data["expected_G"]) <= TOLERANCE


def _saved(tmp_path, state: dict[str, torch.Tensor]) -> str:
    path = tmp_path / "latest_net_G.pth"
    torch.save(state, path)
    return str(path)


def test_unet_with_inconsistent_shapes_is_refused_with_a_clear_message(tmp_path):
    state = torch.load(fixture("pix2pix", "unet256_instance_net_G.pth"), weights_only=True)
    key = "model.model.1.model.1.weight"  # second level's down conv
    state[key] = torch.zeros(5, *state[key].shape[1:])
    with pytest.raises(CheckpointError, match=r"latest_net_G\.pth.*pix2pix U-Net.*model\.model\.1\.model\.1\.weight"):
        load_model(_saved(tmp_path, state))


def test_resnet_missing_a_layer_is_refused(tmp_path):
    state = torch.load(fixture("cyclegan", "resnet6_batch_dropout_net_G.pth"), weights_only=True)
    del state["model.12.conv_block.6.weight"]
    with pytest.raises(CheckpointError, match="CycleGAN ResNet generator"):
        load_model(_saved(tmp_path, state))


def test_hinted_architecture_is_respected(tmp_path):
    with pytest.raises(CheckpointError, match="unknown architecture"):
        load_model(fixture("patchgan", "nlayer3_batch_net_D.pth"), arch="cyclegan_resnet")
