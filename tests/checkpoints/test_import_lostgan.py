"""WillSuen/LostGANs v2 generator files load and reproduce the reference (fixtures: tests/fixtures/README.md, LostGAN-v2).

The fixtures are the reference's ResnetGenerator128/256 at ch=4 (mask network 16 wide), state dicts saved with
DataParallel's ``module.`` prefix as the published files are, a layout of 6 objects with one padding object.
"""
from __future__ import annotations

import functools
import io
import json
import lzma
import os

import pytest
import torch

from ganstudio.checkpoints import CheckpointError, load_model, save_model
from ganstudio.checkpoints.importers import ImportMismatch, lostgan as importer
from ganstudio.models.lostgan import LostGANGenerator, box_masks

HERE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "lostgan")
TOLERANCE = 1e-4
TINY = dict(ch=4, mask_hidden=16, mask_head=16)


def rel(actual: torch.Tensor, expected: torch.Tensor) -> float:
    return float((actual - expected).norm() / expected.norm())


def unpacked(size: int, tmp_path) -> str:
    out = tmp_path / f"netGv2_tiny{size}.pth"
    out.write_bytes(_raw_bytes(size))
    return str(out)


@functools.cache
def _raw_bytes(size: int) -> bytes:
    with lzma.open(os.path.join(HERE, f"netGv2_tiny{size}.pth.xz"), "rb") as src:
        return src.read()  # whole: torch.load seeks back in a zip archive, which an xz stream replays


def raw_state(size: int) -> dict[str, torch.Tensor]:
    return torch.load(io.BytesIO(_raw_bytes(size)), weights_only=True)


@pytest.mark.parametrize("size", [128, 256])
def test_reference_file_loads_strictly_and_matches(size: int, tmp_path) -> None:
    loaded = load_model(unpacked(size, tmp_path))
    assert loaded.arch == "lostgan_generator"
    assert loaded.config == dict(size=size, num_classes=184, z_dim=128, embed_dim=180, **TINY)
    ref = torch.load(os.path.join(HERE, f"io{size}.pt"), weights_only=True)
    with torch.no_grad():
        image, masks = loaded.module(ref["z_obj"], ref["bbox"], ref["z_im"], ref["y"], return_masks=True)
    assert image.shape == ref["image"].shape == (1, 3, size, size)
    assert rel(image, ref["image"]) <= TOLERANCE
    assert masks.shape == (1, 6, size // 2, size // 2)
    assert float(masks[0, -1].abs().max()) == 0.0  # the padding object sits off canvas: no mask anywhere


def test_coco_file_gets_coco_stuff_names_and_object_count() -> None:
    result = importer.detect({k[len("module."):]: v for k, v in raw_state(128).items()}, {})
    names = result.meta["class_names"]
    assert len(names) == 184 and names[0] == "__image__" and names[1] == "person" and names[183] == "other"
    assert names[92] == "banner" and names[182] == "wood"  # stuff ids 92..182 as COCO-Stuff numbers them
    assert result.meta["max_objects"] == 8 and result.meta["dataset"] == "coco"


def test_vg_sized_file_is_read_as_visual_genome() -> None:
    net = LostGANGenerator(num_classes=179, **TINY)
    result = importer.detect(net.state_dict(), {})
    assert result.config["num_classes"] == 179
    assert result.meta["dataset"] == "vg" and result.meta["max_objects"] == 31
    assert len(result.meta["class_names"]) == 179


def test_box_mask_uses_pixel_centres_on_linspace() -> None:
    m = box_masks(torch.tensor([[[0.25, 0.0, 0.5, 1.0]]]), 5)  # columns at 0, .25, .5, .75, 1
    assert m[0, 0, 0].tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_forgiven_differences_are_reported(tmp_path) -> None:
    state = {k[len("module."):]: v for k, v in raw_state(128).items()}
    state["fc.weight"] = torch.zeros_like(state["fc.weight_orig"])  # the old spectral-norm hook's saved weight
    del state["final.0.num_batches_tracked"]
    result = importer.detect(state, {})
    assert result.meta["dropped_keys"] == ["fc.weight"]
    assert result.meta["filled_keys"] == ["final.0.num_batches_tracked"]
    LostGANGenerator(**result.config).load_state_dict(result.state, strict=True)


@pytest.mark.parametrize("damage, message", [
    (lambda s: s.pop("res2.b1.weight_proj.weight_v"), "res2.b1.weight_proj.weight_v"),
    (lambda s: s.__setitem__("res1.extra.weight", torch.zeros(3)), "res1.extra.weight"),
    (lambda s: s.__setitem__("alpha1", torch.zeros(1, 10, 1)), "alpha1"),
    (lambda s: s.__setitem__("fc.weight_orig", torch.zeros(5, 128)), "fc.weight_orig"),
])
def test_damaged_files_are_refused_naming_the_key(damage, message) -> None:
    state = {k[len("module."):]: v for k, v in raw_state(128).items()}
    damage(state)
    with pytest.raises(ImportMismatch, match=message.replace(".", r"\.")):
        importer.detect(state, {})


def test_huge_width_is_refused_before_building(tmp_path) -> None:
    state = {k: v for k, v in LostGANGenerator(**TINY).state_dict().items()}
    state["final.0.weight"] = torch.zeros(100000)
    with pytest.raises(ImportMismatch):
        importer.detect(state, {})
    path = tmp_path / "huge.pth"
    torch.save({"module." + k: v for k, v in state.items()}, path)
    with pytest.raises(CheckpointError):
        load_model(path)


def _vg_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "netGv2_vg128.pth"
    torch.save(LostGANGenerator(num_classes=179, **TINY).state_dict(), path)
    return path


def test_a_vocab_json_beside_a_vg_file_names_its_classes(tmp_path) -> None:
    path = _vg_file(tmp_path)
    names = ["__image__"] + [f"object{i}" for i in range(1, 179)]
    (tmp_path / "vocab.json").write_text(json.dumps({"object_idx_to_name": names, "pred_idx_to_name": ["__in_image__"]}))
    assert load_model(path).meta["class_names"] == names


@pytest.mark.parametrize("vocab, why", [
    ({"object_idx_to_name": ["__image__", "tree"]}, "names 2 objects, the file has 179 classes"),
    ({"object_idx_to_name": [7] * 179}, "not all short texts"),
    ("[" * 100_000 + "]" * 100_000, "not used"),
])
def test_a_vocab_that_does_not_fit_is_noted_and_numbered_names_stay(tmp_path, vocab, why) -> None:
    path = _vg_file(tmp_path)
    (tmp_path / "vocab.json").write_text(vocab if isinstance(vocab, str) else json.dumps(vocab))
    loaded = load_model(path)
    assert loaded.meta["class_names"][1] == "class 1"
    assert any(why in note and "vocab.json" in note for note in loaded.meta["notes"])


def test_preset_hints_of_layout_and_instance_files_are_accepted() -> None:
    from ganstudio.checkpoints.hints import check_hints

    check_hints({"preset": "vg"})
    check_hints({"preset": "shp2gir_coco_instagan"})


def test_an_imported_coco_file_keeps_its_class_names_and_object_count(tmp_path) -> None:
    source = tmp_path / "netGv2_coco128.pth"
    torch.save(LostGANGenerator(num_classes=184, **TINY).state_dict(), source)
    native = tmp_path / "coco.safetensors"
    save_model(load_model(source), native)
    reopened = load_model(native)
    assert reopened.meta["class_names"][1] == "person" and reopened.meta["max_objects"] == 8
