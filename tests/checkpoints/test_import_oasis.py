"""Golden tests: boschresearch/OASIS checkpoints load through `load_model` and agree with the reference.

The fixtures were produced by running the reference code (tests/fixtures/README.md,
tests/fixtures/tools/make_oasis_fixtures.py). Each `<case>_<file>.xz` decompresses to
the bytes the reference's utils.save_networks (torch.save of a state dict) wrote; the
tests put it where the reference puts it, `checkpoints/<name>/models/<file>`.
"""
from __future__ import annotations

import lzma
import os
from pathlib import Path

import pytest
import torch

from ganstudio.checkpoints import load_model, save_model
from ganstudio.checkpoints.importers import FAMILIES, ImportMismatch, detect
from ganstudio.checkpoints.importers import oasis as oasis_importer
from ganstudio.checkpoints.importers import sean as sean_importer
from ganstudio.checkpoints.importers import spade as spade_importer
from ganstudio.checkpoints.presets import OASIS_PRESETS, get_oasis_preset, oasis_preset_for_semantic_nc
from ganstudio.models.oasis import OASISDiscriminator, OASISGenerator, reroll_noise
from ganstudio.models.registry import build_on_meta
from ganstudio.models.spade import SPADEGenerator
from load_failures import expect_error

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "oasis"
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def official_file(tmp_path: Path, case: str, file_name: str, run: str = "oasis_run") -> Path:
    """The fixture where the reference trainer writes it: checkpoints/<name>/models/<file>."""
    folder = tmp_path / "checkpoints" / run / "models"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / file_name
    target.write_bytes(lzma.decompress((FIXTURES / f"{case}_{file_name}.xz").read_bytes()))
    return target


def fixture_io(case: str) -> dict:
    return torch.load(FIXTURES / f"{case}_io.pt", weights_only=True)


def generate(module: torch.nn.Module, labels: torch.Tensor, noise_seed: int | None = None, z: torch.Tensor | None = None) -> torch.Tensor:
    seg = module.semantic_input(labels.long())
    with torch.no_grad():
        if noise_seed is not None:
            torch.manual_seed(noise_seed)  # the reference's forward draws torch.randn(B, z_dim) first; so does ours
        return module(seg, z=z)


# --------------------------------------------------------------------------- golden comparisons


def test_ade20k_layout_best_ema_matches_reference(tmp_path: Path) -> None:
    data = fixture_io("ade20k_layout")
    loaded = load_model(official_file(tmp_path, "ade20k_layout", "best_EMA.pth"), crop_size=64)  # 151 channels: ADE20K
    assert loaded.arch == "oasis"
    assert loaded.config == dict(label_nc=150, contain_dontcare_label=True, channels_G=1, z_dim=64, no_3dnoise=False, crop_size=64,
                                 aspect_ratio=1.0, param_free_norm_type="instance", spade_kernel_size=3, spade_hidden=8)
    assert loaded.module.fc.weight.shape == (16, 215, 3, 3)
    assert [label["name"] for label in loaded.labels[:3]] == ["other (don't care)", "wall", "building"]
    assert loaded.meta["resolution"] == [64, 64]
    expected = data["expected"]
    assert expected.std() > 0.05
    assert rel_err(generate(loaded.module, data["labels"], noise_seed=data["noise_seed"]), expected) <= TOLERANCE
    assert rel_err(generate(loaded.module, data["labels"], z=data["z"]), expected) <= TOLERANCE
    # a region re-rolled: the reference run with its noise draw replaced by the same map
    z_map = reroll_noise(data["z"], data["reroll_mask"], data["z_fresh"])
    assert rel_err(generate(loaded.module, data["labels"], z=z_map), data["expected_rerolled"]) <= TOLERANCE


@pytest.mark.parametrize("file_name,key", [("latest_EMA.pth", "expected"), ("latest_G.pth", "expected_G")])
def test_trained_generator_and_its_ema_match_reference(tmp_path: Path, file_name: str, key: str) -> None:
    """The reference trainer's files: EMA (what test.py uses) and the trained G, BatchNorm statistics included."""
    data = fixture_io("tiny_trained")
    loaded = load_model(official_file(tmp_path, "tiny_trained", file_name), **data["hints"])
    assert loaded.arch == "oasis"
    cfg = loaded.config
    assert (cfg["label_nc"], cfg["channels_G"], cfg["z_dim"], cfg["param_free_norm_type"], cfg["aspect_ratio"]) == (3, 2, 64, "syncbatch", 2.0)
    assert loaded.meta["resolution"] == [32, 64]
    out = generate(loaded.module, data["labels"], noise_seed=data["noise_seed"])
    assert out.shape == data[key].shape == (1, 3, 32, 64)
    assert rel_err(out, data[key]) <= TOLERANCE
    assert rel_err(generate(loaded.module, data["labels"], z=data["z"]), data[key]) <= TOLERANCE
    assert rel_err(data["expected"], data["expected_G"]) > 0.05  # taking G for EMA would fail


def test_trained_discriminator_matches_reference(tmp_path: Path) -> None:
    data = fixture_io("tiny_trained")
    loaded = load_model(official_file(tmp_path, "tiny_trained", "latest_D.pth"))
    assert loaded.arch == "oasis_discriminator"
    assert loaded.config == dict(label_nc=3, contain_dontcare_label=True, channels_D=4, num_res_blocks=6)
    with torch.no_grad():
        out = loaded.module(data["images"].float())
    assert rel_err(out, data["expected_D"]) <= TOLERANCE


def test_no_3dnoise_generator_of_a_no_ema_run_matches_reference(tmp_path: Path) -> None:
    """Unshrunk SPADE width (128), batch norm, a label map of another size (48x40) than the output (32x32)."""
    data = fixture_io("no3dnoise")
    loaded = load_model(official_file(tmp_path, "no3dnoise", "best_G.pth"), crop_size=32)
    cfg = loaded.config
    assert (cfg["no_3dnoise"], cfg["label_nc"], cfg["spade_hidden"], cfg["param_free_norm_type"]) == (True, 2, 128, "syncbatch")
    out = generate(loaded.module, data["labels"])
    assert out.shape == data["expected"].shape == (2, 3, 32, 32)
    assert rel_err(out, data["expected"]) <= TOLERANCE


def test_imported_model_round_trips_through_the_native_format(tmp_path: Path) -> None:
    data = fixture_io("tiny_trained")
    loaded = load_model(official_file(tmp_path, "tiny_trained", "latest_EMA.pth"), **data["hints"])
    native = load_model(save_model(loaded, tmp_path / "converted.safetensors"))
    assert native.arch == "oasis" and native.config == loaded.config
    assert native.meta["provenance"] == {"imported_from": "latest_EMA.pth"}
    assert torch.equal(generate(native.module, data["labels"], z=data["z"]), generate(loaded.module, data["labels"], z=data["z"]))


# --------------------------------------------------------------------------- detection from shapes


def meta_state(arch: str, **config) -> dict[str, torch.Tensor]:
    """A state dict of the published size without memory: detection reads only keys and shapes."""
    return build_on_meta(arch, config).state_dict()


@pytest.mark.parametrize("label_nc,crop,aspect,preset,resolution", [
    (150, 256, 1.0, "ade20k", [256, 256]),
    (34, 512, 2.0, "cityscapes", [256, 512]),
    (182, 256, 1.0, "coco-stuff", [256, 256]),
])
def test_published_sizes_bring_their_dataset(label_nc: int, crop: int, aspect: float, preset: str, resolution: list[int]) -> None:
    state = meta_state("oasis", label_nc=label_nc, channels_G=64, crop_size=crop, aspect_ratio=aspect)
    found = detect(state, {})
    assert found.arch == "oasis"
    assert found.config == dict(label_nc=label_nc, contain_dontcare_label=True, channels_G=64, z_dim=64, no_3dnoise=False, crop_size=crop,
                                aspect_ratio=aspect, param_free_norm_type="syncbatch", spade_kernel_size=3, spade_hidden=128)
    assert found.meta["resolution"] == resolution
    assert found.meta["labels"] == OASIS_PRESETS[preset].labels
    d_found = detect(meta_state("oasis_discriminator", label_nc=label_nc), {})
    assert d_found.arch == "oasis_discriminator" and d_found.config["channels_D"] == 64
    assert d_found.meta["labels"] == OASIS_PRESETS[preset].labels


def test_noise_split_from_hints() -> None:
    small_z = OASISGenerator(label_nc=5, channels_G=1, z_dim=8, crop_size=32, spade_hidden=4).state_dict()
    assert (detect(small_z, {}).config["label_nc"], detect(small_z, {}).config["no_3dnoise"]) == (13, True)  # 14 inputs: read as labels
    hinted = detect(small_z, {"label_nc": 5})
    assert (hinted.config["label_nc"], hinted.config["z_dim"], hinted.config["no_3dnoise"]) == (5, 8, False)
    no_dontcare = detect(small_z, {"label_nc": 6, "contain_dontcare_label": False})
    assert (no_dontcare.config["label_nc"], no_dontcare.config["contain_dontcare_label"], no_dontcare.config["z_dim"]) == (6, False, 8)
    plain = detect(OASISGenerator(label_nc=150, channels_G=1, no_3dnoise=True, crop_size=32, spade_hidden=4).state_dict(), {"preset": "ade"})
    assert plain.config["no_3dnoise"] and plain.config["label_nc"] == 150 and len(plain.meta["labels"]) == 151
    with pytest.raises(ImportMismatch, match="fc takes only 14"):
        detect(small_z, {"label_nc": 20})
    with pytest.raises(ImportMismatch, match="no instance"):
        detect(small_z, {"no_instance": False})


def test_wrong_preset_is_refused() -> None:
    ade = meta_state("oasis", label_nc=150, channels_G=2)
    with pytest.raises(ImportMismatch, match="'cityscapes' has 35 label channels, which leaves 180"):
        detect(ade, {"preset": "cityscapes"})
    with pytest.raises(ImportMismatch, match="no OASIS preset 'celebamask-hq'"):
        detect(ade, {"preset": "celebamask-hq"})
    with pytest.raises(ImportMismatch, match="discriminator outputs 152"):
        detect(meta_state("oasis_discriminator", label_nc=150, channels_D=2), {"preset": "coco-stuff"})


def test_geometry_hints() -> None:
    state = meta_state("oasis", label_nc=3, channels_G=1, spade_hidden=4)
    found = detect(state, {"crop_size": 128, "aspect_ratio": 2.0})
    assert found.meta["resolution"] == [64, 128]
    with pytest.raises(ImportMismatch, match="too small"):
        detect(state, {"crop_size": 16})


def test_oasis_and_spade_files_are_told_apart() -> None:
    """The explicit order (SEAN, SPADE, OASIS) never decides: no detector claims another family's keys."""
    assert FAMILIES.index("oasis") > FAMILIES.index("spade") > FAMILIES.index("sean")
    oasis_g = OASISGenerator(label_nc=3, channels_G=1, crop_size=32, spade_hidden=4).state_dict()
    oasis_d = OASISDiscriminator(label_nc=3, channels_D=1).state_dict()
    spade = SPADEGenerator(label_nc=3, ngf=1, crop_size=32, spade_kernel_size=1).state_dict()
    for state in (oasis_g, oasis_d):
        assert spade_importer.detect(state, {}) is None and sean_importer.detect(state, {}) is None
    assert oasis_importer.detect(spade, {}) is None
    assert detect(spade, {}).arch == "spade"
    assert detect(oasis_g, {"arch": "spade"}) is None and detect(oasis_g, {"arch": "oasis_discriminator"}) is None
    assert detect(oasis_d, {"arch": "oasis"}) is None


def test_presets() -> None:
    assert {name: (p.semantic_nc, len(p.labels)) for name, p in OASIS_PRESETS.items()} == {
        "ade20k": (151, 151), "cityscapes": (35, 35), "coco-stuff": (183, 183)}
    ade, coco, city = OASIS_PRESETS["ade20k"], OASIS_PRESETS["coco-stuff"], OASIS_PRESETS["cityscapes"]
    # the reference's loaders: ADE20K ids as they are (0 = other), COCO-Stuff ids + 1 with unlabeled at 0, Cityscapes labelIds
    assert ade.labels[0]["name"] == "other (don't care)" and ade.labels[150]["name"] == "flag"
    assert coco.labels[0]["name"] == "unlabeled (don't care)" and coco.labels[1]["name"] == "person" and coco.labels[182]["name"] == "wood"
    assert city.labels[26] == {"name": "car", "color": [0, 0, 142]} and (city.crop_size, city.aspect_ratio) == (512, 2.0)
    assert get_oasis_preset("COCO") is coco and oasis_preset_for_semantic_nc(35) is city and oasis_preset_for_semantic_nc(36) is None
    for preset in OASIS_PRESETS.values():
        for label in preset.labels:
            assert isinstance(label["name"], str) and len(label["color"]) == 3 and all(0 <= c <= 255 for c in label["color"])


# --------------------------------------------------------------------------- bad files


def test_truncated_official_file(tmp_path: Path) -> None:
    path = official_file(tmp_path, "tiny_trained", "latest_EMA.pth")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    expect_error(path)


def test_truncated_legacy_official_file(tmp_path: Path) -> None:
    path = official_file(tmp_path, "ade20k_layout", "best_EMA.pth")
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    expect_error(path)


def save_state(tmp_path: Path, state: dict[str, torch.Tensor], name: str = "best_EMA.pth") -> Path:
    folder = tmp_path / "checkpoints" / "broken" / "models"
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(state, folder / name)
    return folder / name


def small_generator_state() -> dict[str, torch.Tensor]:
    return dict(OASISGenerator(label_nc=3, channels_G=1, crop_size=32, spade_hidden=4).state_dict())


def test_missing_and_unexpected_keys(tmp_path: Path) -> None:
    state = small_generator_state()
    del state["body.5.conv_1.weight_u"]
    expect_error(save_state(tmp_path, state), "OASIS generator", "missing", "body.5.conv_1.weight_u")
    state = small_generator_state()
    state["body.6.conv_0.weight_orig"] = torch.zeros(1, 1, 3, 3)
    expect_error(save_state(tmp_path, state), "unexpected", "body.6")


def test_wrong_shapes(tmp_path: Path) -> None:
    state = small_generator_state()
    state["fc.weight"] = torch.zeros(16, 66, 3, 3)
    expect_error(save_state(tmp_path, state), "fc takes 66 channels but the SPADE norms take 68")
    state = small_generator_state()
    state["conv_img.weight"] = torch.zeros(3, 2, 3, 3)
    expect_error(save_state(tmp_path, state), "conv_img.weight is (3, 2, 3, 3), expected (3, 1, 3, 3)")
    state = small_generator_state()
    state["fc.weight"] = torch.zeros(15, 68, 3, 3)
    expect_error(save_state(tmp_path, state), "multiple of 16")
    state = small_generator_state()
    state["fc.weight"] = torch.zeros(16, 68)
    expect_error(save_state(tmp_path, state), "fc.weight has shape (16, 68), expected 4 dimensions")
    d_state = dict(OASISDiscriminator(label_nc=3, channels_D=1).state_dict())
    for key in [key for key in d_state if key.startswith("body_down.3.")]:
        del d_state[key]
    expect_error(save_state(tmp_path, d_state, "best_D.pth"), "OASIS discriminator", "body_down.3")


def test_fixture_sizes_stay_small() -> None:
    sizes = {path.name: os.path.getsize(path) for path in FIXTURES.iterdir()}
    assert sum(sizes.values()) < 1_100_000
    assert max(sizes.values()) < 200_000
