"""Golden tests: NVlabs/SPADE and ZPdesu/SEAN state dicts load through `load_model` and agree with the references.

The fixtures were produced by running the reference code (see
tests/fixtures/README.md and tests/fixtures/tools/make_spade_sean_fixtures.py).
Each `*_net_*.pth.xz` decompresses to the exact bytes the reference's
torch.save(state_dict()) wrote, in the legacy (non-zip) format of the official files.
"""
from __future__ import annotations

import lzma
import os
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model, save_model
from ganstudio.checkpoints.importers import ImportMismatch, detect
from ganstudio.checkpoints.presets import PRESETS, get_preset, preset_for_semantic_nc
from ganstudio.models.sean import SEANGenerator
from ganstudio.models.spade import SPADEGenerator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def official_file(tmp_path: Path, family: str, name: str) -> Path:
    """Decompress a fixture into the file an official run would have written."""
    target = tmp_path / f"{name}.pth"
    target.write_bytes(lzma.decompress((FIXTURES / family / f"{name}.pth.xz").read_bytes()))
    return target


def fixture_io(family: str, case: str) -> dict:
    return torch.load(FIXTURES / family / f"{case}_io.pt", weights_only=True)


SPADE_CASES = {
    # case: (expected detected values)
    "normal": dict(ngf=1, num_upsampling_layers="normal", use_vae=False, spade_kernel_size=3, param_free_norm_type="syncbatch"),
    "most": dict(ngf=2, num_upsampling_layers="most", use_vae=False, spade_kernel_size=1),
    "more_vae": dict(ngf=1, num_upsampling_layers="more", use_vae=True, z_dim=8),
    "aspect2_instancenorm": dict(ngf=1, aspect_ratio=2.0, param_free_norm_type="instance"),
}


@pytest.mark.parametrize("case", sorted(SPADE_CASES))
def test_spade_generator_matches_reference(tmp_path: Path, case: str) -> None:
    data = fixture_io("spade", case)
    loaded = load_model(official_file(tmp_path, "spade", f"{case}_net_G"), **data["hints"])
    assert loaded.arch == "spade"
    for key, value in SPADE_CASES[case].items():
        assert loaded.config[key] == value, key
    assert loaded.config["label_nc"] + loaded.config["contain_dontcare_label"] + (not loaded.config["no_instance"]) == data["options"]["semantic_nc"]
    seg = data["seg"].float()
    with torch.no_grad():
        out = loaded.module(seg, z=data["z"])
    expected = data["expected"]
    assert expected.std() > 0.05  # the reference output is not degenerate
    assert out.shape == expected.shape
    assert tuple(loaded.meta["resolution"]) == tuple(expected.shape[2:])
    assert rel_err(out, expected) <= TOLERANCE
    # the one-hot helper rebuilds the reference's input from the label (and instance) maps
    instances = data.get("instances")
    rebuilt = loaded.module.semantic_input(data["labels"].long(), None if instances is None else instances.long())
    assert torch.equal(rebuilt, seg)


def test_spade_encoder_matches_reference(tmp_path: Path) -> None:
    data = fixture_io("spade", "encoder")
    loaded = load_model(official_file(tmp_path, "spade", "encoder_net_E"), **data["hints"])
    assert loaded.arch == "spade_encoder"
    assert loaded.config == dict(ngf=1, crop_size=256, z_dim=256, spectral_norm=True, norm="instance")
    with torch.no_grad():
        mu, logvar = loaded.module(data["images"])
    assert rel_err(mu, data["mu"]) <= TOLERANCE and rel_err(logvar, data["logvar"]) <= TOLERANCE


def test_spade_discriminator_matches_reference(tmp_path: Path) -> None:
    data = fixture_io("spade", "discriminator")
    loaded = load_model(official_file(tmp_path, "spade", "discriminator_net_D"))
    assert loaded.arch == "spade_discriminator"
    assert (loaded.config["num_D"], loaded.config["n_layers_D"], loaded.config["ndf"]) == (2, 4, 2)
    with torch.no_grad():
        features = loaded.module(data["input"])
    assert [len(scale) for scale in features] == [len(scale) for scale in data["expected"]]
    for ours, theirs in zip(features, data["expected"]):
        for a, b in zip(ours, theirs):
            assert rel_err(a, b) <= TOLERANCE


@pytest.mark.parametrize("case", ["normal_aspect2", "more"])
def test_sean_generator_matches_reference(tmp_path: Path, case: str) -> None:
    data = fixture_io("sean", case)
    loaded = load_model(official_file(tmp_path, "sean", f"{case}_net_G"), **data["hints"])
    assert loaded.arch == "sean"
    opts = data["options"]
    assert loaded.config["num_style_classes"] == 19  # the reference always builds 19 style layers
    assert loaded.config["label_nc"] == opts["semantic_nc"] and loaded.config["style_dim"] == 16
    assert loaded.config["num_upsampling_layers"] == opts["num_upsampling_layers"]
    model = loaded.module
    seg, rgb = data["seg"].float(), data["rgb"]
    with torch.no_grad():
        assert rel_err(model.encode_styles(rgb, seg), data["style_codes"]) <= TOLERANCE
        # same noise: the reference and the default path both draw from the seeded global CPU generator
        torch.manual_seed(data["noise_seed"])
        noisy = model(seg, rgb)
        quiet = model(seg, rgb, noise=False)
        torch.manual_seed(data["noise_seed"])
        ui = model(seg[:1], rgb[:1], obj_dic=data["obj_dic"])
    assert rel_err(noisy, data["expected"]) <= TOLERANCE
    assert rel_err(quiet, data["expected_no_noise"]) <= TOLERANCE  # reference run with noise_var zeroed
    assert rel_err(ui, data["expected_ui"]) <= TOLERANCE
    assert rel_err(data["expected"], data["expected_no_noise"]) > 1e-2  # the noise comparison means something
    assert tuple(loaded.meta["resolution"]) == tuple(data["expected"].shape[2:])


@pytest.mark.parametrize("family,case,name", [("spade", "normal", "normal_net_G"), ("sean", "more", "more_net_G")])
def test_imported_model_round_trips_through_the_native_format(tmp_path: Path, family: str, case: str, name: str) -> None:
    data = fixture_io(family, case)
    loaded = load_model(official_file(tmp_path, family, name), **data["hints"])
    native = load_model(save_model(loaded, tmp_path / "converted.safetensors"))
    assert native.arch == loaded.arch and native.config == loaded.config
    assert native.meta["provenance"] == {"imported_from": f"{name}.pth"}
    seg = data["seg"].float()
    with torch.no_grad():
        if family == "spade":
            assert torch.equal(native.module(seg), loaded.module(seg))
        else:
            codes = loaded.module.encode_styles(data["rgb"], seg)
            assert torch.equal(native.module.generate(seg, codes, noise=False), loaded.module.generate(seg, codes, noise=False))


# --- detection from shapes, presets and hints (state dicts built from our own modules) ---


def spade_state(**cfg) -> dict[str, torch.Tensor]:
    base = dict(ngf=1, spade_kernel_size=1)
    base.update(cfg)
    return SPADEGenerator(**base).state_dict()


def test_semantic_nc_of_a_dataset_brings_its_labels_and_options(tmp_path: Path) -> None:
    path = tmp_path / "latest_net_G.pth"
    torch.save(spade_state(**PRESETS["cityscapes"].model_options()), path)
    loaded = load_model(path)
    cfg = loaded.config
    assert (cfg["label_nc"], cfg["contain_dontcare_label"], cfg["no_instance"]) == (35, False, False)
    assert (cfg["crop_size"], cfg["aspect_ratio"], cfg["num_upsampling_layers"]) == (512, 2.0, "more")
    assert loaded.labels[26] == {"name": "car", "color": [0, 0, 142]}
    assert loaded.meta["resolution"] == [256, 512]


def test_ade20k_preset_and_mismatching_preset(tmp_path: Path) -> None:
    path = tmp_path / "latest_net_G.pth"
    torch.save(spade_state(label_nc=150, contain_dontcare_label=True), path)
    loaded = load_model(path, preset="ade20k")
    assert len(loaded.labels) == 151 and loaded.labels[2]["name"] == "sky"
    assert loaded.config["label_nc"] == 150 and loaded.config["contain_dontcare_label"]
    with pytest.raises(CheckpointError, match="preset 'coco-stuff' needs 184 semantic channels.*has 151") as info:
        load_model(path, preset="coco")
    assert "latest_net_G.pth" in str(info.value)


def test_unknown_class_count_gets_plain_classes_and_hints_split_it() -> None:
    state = spade_state(label_nc=5, no_instance=False)  # 6 channels
    plain = detect(state, {})
    assert plain.arch == "spade" and "labels" not in plain.meta
    assert (plain.config["label_nc"], plain.config["no_instance"]) == (6, True)
    hinted = detect(state, {"no_instance": False})
    assert (hinted.config["label_nc"], hinted.config["no_instance"]) == (5, False)
    with pytest.raises(ImportMismatch, match="make 9 semantic channels"):
        detect(state, {"label_nc": 8, "no_instance": False})


def test_upsampling_hints() -> None:
    state = spade_state(label_nc=3)
    assert detect(state, {}).config["num_upsampling_layers"] == "normal"
    assert detect(state, {"num_upsampling_layers": "more"}).config["num_upsampling_layers"] == "more"
    with pytest.raises(ImportMismatch, match="no up_4"):
        detect(state, {"num_upsampling_layers": "most"})
    most = spade_state(label_nc=3, ngf=2, crop_size=128, num_upsampling_layers="most")
    assert detect(most, {"crop_size": 128}).config["num_upsampling_layers"] == "most"
    with pytest.raises(ImportMismatch, match="up_4"):
        detect(most, {"num_upsampling_layers": "more"})


def test_vae_latent_grid_fixes_the_crop_or_refuses_a_wrong_one() -> None:
    state = spade_state(label_nc=3, use_vae=True, z_dim=16, crop_size=128, aspect_ratio=2.0)  # a 2x4 latent grid
    found = detect(state, {"aspect_ratio": 2.0})
    assert (found.config["crop_size"], found.config["z_dim"], found.config["use_vae"]) == (128, 16, True)
    with pytest.raises(ImportMismatch, match="8-cell latent grid"):
        detect(state, {"crop_size": 256, "aspect_ratio": 2.0})


def test_sean_detection_and_celebamask_preset() -> None:
    model = SEANGenerator(label_nc=19, ngf=1, crop_size=32, spade_kernel_size=1, style_dim=8)
    found = detect(model.state_dict(), {"crop_size": 32})
    assert found.arch == "sean"
    assert found.config == model.config
    assert [label["name"] for label in found.meta["labels"]][:3] == ["background", "skin", "nose"]
    with pytest.raises(ImportMismatch, match="up_4"):
        detect({**model.state_dict(), "up_4.conv_0.weight_orig": torch.zeros(1)}, {})
    assert detect(model.state_dict(), {"arch": "spade"}) is None


def test_truncated_spectral_norm_is_reported() -> None:
    state = dict(spade_state(label_nc=3))
    del state["head_0.conv_0.weight_v"]
    with pytest.raises(ImportMismatch, match="weight_v"):
        detect(state, {})


def test_presets() -> None:
    counts = {name: (len(p.labels), p.semantic_nc) for name, p in PRESETS.items()}
    assert counts == {"ade20k": (151, 151), "coco-stuff": (183, 184), "cityscapes": (35, 36), "celebamask-hq": (19, 19)}
    assert get_preset("COCO").name == "coco-stuff" and get_preset("celebamask_hq").name == "celebamask-hq"
    with pytest.raises(KeyError, match="known: ade20k"):
        get_preset("imagenet")
    assert preset_for_semantic_nc(184).name == "coco-stuff" and preset_for_semantic_nc(7) is None
    for preset in PRESETS.values():
        for label in preset.labels:
            assert isinstance(label["name"], str) and len(label["color"]) == 3
            assert all(0 <= c <= 255 for c in label["color"])
    names = [label["name"] for label in PRESETS["coco-stuff"].labels]
    assert names[0] == "person" and names[181] == "wood"


def test_fixture_sizes_stay_small() -> None:
    for family in ("spade", "sean"):
        total = sum(os.path.getsize(p) for p in (FIXTURES / family).iterdir())
        assert total < 1_100_000, family


def test_narrow_spade_embedding_is_detected(tmp_path: Path) -> None:
    from ganstudio.models.sean import SEANGenerator
    from ganstudio.models.spade import SPADEGenerator

    for cls, extra in ((SPADEGenerator, {}), (SEANGenerator, {"style_dim": 8})):
        net = cls(label_nc=5, ngf=2, crop_size=64, spade_hidden=16, **extra)
        path = tmp_path / f"{cls.__name__}.pth"
        torch.save(net.state_dict(), path)
        loaded = load_model(path, crop_size=64)
        assert loaded.config["spade_hidden"] == 16
