"""Datasets: layouts, joint augmentation, and bad files skipped with a warning."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from trainer.data import AttributeDataset, ImageFolderDataset, JointTransform, LabelMapDataset, PairedDataset, UnpairedDataset
from trainer.data.images import SkippedFileWarning
from trainer.loop import run_recipe
from train_helpers import PALETTE, make_labelmap_data, recipe_class, tiny_args

PLAIN = JointTransform(crop_size=32, flip=False)


def _corrupt(path):
    path.write_bytes(b"\x89PNG\r\n\x1a\nthis is not an image")


def test_corrupt_image_is_skipped_with_a_warning_and_training_goes_on(tiny_data, tmp_path):
    data = tiny_data("paired")
    _corrupt(data / "1.png")
    with pytest.warns(SkippedFileWarning, match="1.png"):
        assert len(PairedDataset(data, PLAIN)) == 3
    with pytest.warns(SkippedFileWarning):
        result = run_recipe(recipe_class("pix2pix"), tiny_args("pix2pix", data, tmp_path / "run", iters=2))
    assert result.iteration == 2


def test_file_that_breaks_after_indexing_is_replaced_by_the_next_item(tiny_data):
    data = tiny_data("folder")
    dataset = ImageFolderDataset(data, PLAIN)
    expected = dataset[(2, 0)]["image"]
    _corrupt(dataset.paths[1])
    with pytest.warns(SkippedFileWarning, match="1.png"):
        item = dataset[(1, 0)]
    assert torch.equal(item["image"], expected)


def test_mismatched_label_map_is_skipped(tmp_path):
    root = make_labelmap_data(tmp_path / "data", count=3, size=32)
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(root / "labels" / "00001.png")  # wrong size
    Image.fromarray(np.full((32, 32), 9, np.uint8)).save(root / "labels" / "00002.png")  # id 9 of 3 classes
    (root / "labels" / "00003.png").write_bytes((root / "labels" / "00000.png").read_bytes())  # no photo
    with pytest.warns(SkippedFileWarning, match="00003"):
        dataset = LabelMapDataset(root, PLAIN)
    assert dataset.num_classes == 3 and len(dataset) == 3
    with pytest.warns(SkippedFileWarning) as caught:
        for index in (1, 2):
            dataset[(index, 0)]
    messages = " ".join(str(w.message) for w in caught)
    assert "16x16" in messages and "class id 9" in messages


def test_palette_coloured_labels_map_to_class_ids(tmp_path):
    root = make_labelmap_data(tmp_path / "data", count=2, size=32)
    ids = np.array(Image.open(root / "labels" / "00000.png"))
    colors = np.array([p["color"] for p in PALETTE], np.uint8)
    Image.fromarray(colors[ids]).save(root / "labels" / "00000.png")  # RGB label map
    item = LabelMapDataset(root, PLAIN)[(0, 0)]
    assert torch.equal(item["label"], torch.from_numpy(ids.astype(np.int64)))
    assert [e["name"] for e in LabelMapDataset(root, PLAIN).labels_meta] == ["sky", "grass", "rock"]


def test_joint_transform_keeps_image_and_labels_aligned(tmp_path):
    root = make_labelmap_data(tmp_path / "data", count=1, size=48)
    ids = np.array(Image.open(root / "labels" / "00000.png"))
    colors = np.array([p["color"] for p in PALETTE], np.uint8)
    Image.fromarray(colors[ids]).save(root / "images" / "00000.png")  # photo = colours of the labels
    crop_flip = LabelMapDataset(root, JointTransform(crop_size=32, load_size=None, flip=True))
    crop_flip.transform = JointTransform(crop_size=32, load_size=48, flip=True)
    for seed in range(6):
        item = crop_flip[(0, seed)]
        expected = torch.from_numpy(colors.astype(np.float32))[item["label"]].permute(2, 0, 1) / 127.5 - 1
        assert torch.allclose(item["image"], expected, atol=1e-6)
    resized = LabelMapDataset(root, JointTransform(crop_size=20, load_size=24))[(0, 1)]["label"]
    assert resized.shape == (20, 20) and set(resized.unique().tolist()) <= set(np.unique(ids).tolist())
    # the same seed gives the same augmentation
    assert torch.equal(crop_flip[(0, 3)]["label"], crop_flip[(0, 3)]["label"])


def test_paired_folders_and_unpaired_domains(tmp_path):
    rng = np.random.RandomState(0)
    for folder in ("A", "B"):
        (tmp_path / "pairs" / folder).mkdir(parents=True)
    for name in ("x", "y"):
        for folder in ("A", "B"):
            Image.fromarray((rng.rand(32, 32, 3) * 255).astype(np.uint8)).save(tmp_path / "pairs" / folder / f"{name}.png")
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "pairs" / "A" / "lonely.png")
    with pytest.warns(SkippedFileWarning, match="lonely"):
        pairs = PairedDataset(tmp_path / "pairs", PLAIN)
    item = pairs[(0, 0)]
    assert len(pairs) == 2 and item["A"].shape == item["B"].shape == (3, 32, 32)
    with pytest.warns(SkippedFileWarning):
        swapped = PairedDataset(tmp_path / "pairs", PLAIN, "BtoA")
    assert torch.equal(swapped[(0, 0)]["A"], item["B"])


def test_attribute_list_defaults_and_bad_lines(tiny_data):
    data = tiny_data("faces")
    with open(data / "list_attr.txt", "a") as handle:
        handle.write("missing.png 1 -1 -1 1 1 1\n000001.png 1 -1\n")
    with pytest.warns(SkippedFileWarning):
        dataset = AttributeDataset(data, PLAIN)
    assert dataset.attributes == ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]
    assert len(dataset) == 4
    assert dataset[(0, 0)]["label"].tolist()[:3] == [1.0, 0.0, 0.0]
    with pytest.warns(SkippedFileWarning):
        chosen = AttributeDataset(data, PLAIN, attributes=["Smiling", "Male"])
    assert chosen[(0, 0)]["label"].shape == (2,)
    with pytest.raises(ValueError, match="Bald"):
        AttributeDataset(data, PLAIN, attributes=["Bald"])


def test_reads_the_synthetic_generators_layouts(tmp_path):
    from trainer.synthetic.faces import make_faces
    from trainer.synthetic.landscapes import make_landscapes

    land = tmp_path / "land"
    make_landscapes(str(land), 2, 32, seed=1, cyclegan_n=2)
    palette = json.loads((land / "palette.json").read_text())
    dataset = LabelMapDataset(land, PLAIN)
    assert dataset.num_classes == len(palette["classes"] if isinstance(palette, dict) else palette)
    assert dataset[(0, 0)]["label"].max() < dataset.num_classes
    assert len(PairedDataset(land / "pix2pix", PLAIN)) == 2
    assert len(UnpairedDataset(land / "cyclegan", PLAIN)) == 2
    make_faces(str(tmp_path / "faces"), 3, 32, seed=1)
    faces = AttributeDataset(tmp_path / "faces", PLAIN)
    assert len(faces) == 3 and faces.attributes == ["Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]


def test_an_image_declaring_a_huge_size_is_skipped_before_it_is_decoded(tiny_data):
    import struct
    import zlib

    data = tiny_data("folder")
    def png_chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 9_000, 9_000, 8, 2, 0, 0, 0)  # 81 megapixels of RGB in a 60-byte file
    (data / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"")))
    with pytest.warns(SkippedFileWarning, match=r"huge.png: 9000x9000 is larger than 50 megapixels"):
        dataset = ImageFolderDataset(data, PLAIN)
    assert all(p.name != "huge.png" for p in dataset.paths)
