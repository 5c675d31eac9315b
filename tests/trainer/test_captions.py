"""Captions of the synthetic data: deterministic per seed, true to what was rendered, held-out combinations kept apart."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from trainer.synthetic import captions, faces, landscapes
from trainer.synthetic.landscapes import CLASS_ID

N_LAND, N_FACES, SIZE = 60, 24, 64


@pytest.fixture(scope="module")
def land_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("land")
    landscapes.make_landscapes(str(out), N_LAND, SIZE, seed=4, cyclegan_n=0, pix2pix=False)
    return out


@pytest.fixture(scope="module")
def face_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faces")
    faces.make_faces(str(out), N_FACES, SIZE, seed=4)
    return out


def test_landscape_captions_are_deterministic_per_seed(land_dir: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    landscapes.make_landscapes(str(again), N_LAND, SIZE, seed=4, cyclegan_n=0, pix2pix=False)
    landscapes.make_landscapes(str(other), N_LAND, SIZE, seed=5, cyclegan_n=0, pix2pix=False)
    first = (land_dir / "captions.json").read_bytes()
    assert (again / "captions.json").read_bytes() == first
    assert (other / "captions.json").read_bytes() != first


def test_captions_leave_the_other_files_alone(tmp_path: Path) -> None:
    with_c, without = tmp_path / "with", tmp_path / "without"
    landscapes.make_landscapes(str(with_c), 6, SIZE, seed=2, cyclegan_n=0, pix2pix=False)
    landscapes.make_landscapes(str(without), 6, SIZE, seed=2, cyclegan_n=0, pix2pix=False, captions=False)
    assert not (without / "captions.json").exists()
    for rel in ["meta.json", "palette.json", "images/00000.png", "labels/00005.png"]:
        assert (with_c / rel).read_bytes() == (without / rel).read_bytes(), rel


def test_landscape_captions_describe_the_render(land_dir: Path) -> None:
    doc = captions.read_captions(str(land_dir))
    assert doc["kind"] == "landscapes" and len(doc["items"]) == N_LAND
    seen = {"mountain": 0, "water": 0, "tree": 0}
    for k, item in enumerate(doc["items"]):
        layout_seed = 4 * 1_000_003 + k
        label, _ = landscapes.render(layout_seed, layout_seed * 7 + 3, SIZE)
        style, _ = landscapes.draw_styles([layout_seed * 7 + 3])
        facts = item["facts"]
        assert facts["season"] == style.season[0] and facts["time"] == style.time_of_day[0]
        frac = {n: float((label == CLASS_ID[n]).mean()) for n in ("mountain", "snow", "water", "tree")}
        assert facts["mountains"] == (frac["mountain"] + frac["snow"] >= captions.MENTION["mountain"])
        assert (facts["water"] is not None) == (frac["water"] >= captions.MENTION["water"])
        assert (facts["trees"] is not None) == (frac["tree"] >= captions.MENTION["tree"])
        if facts["water"] in ("left", "right"):
            xs = np.nonzero(label == CLASS_ID["water"])[1] / SIZE
            assert (np.median(xs) < 0.5) == (facts["water"] == "left")
        for text in item["captions"]:
            words = set(text.replace(",", " ").split())
            assert words & {facts["season"], {"summer": "summery", "autumn": "autumnal", "winter": "wintry"}[facts["season"]]}
            assert ("mountain" in text or "hills" in text) == facts["mountains"]
            assert ("lake" in text or "water" in text) == (facts["water"] is not None)
            assert ("tree" in text or "forest" in text) == (facts["trees"] is not None)
        assert len(set(item["captions"])) == len(item["captions"]) >= 2  # varied wording
        for name in seen:
            seen[name] += name in captions.mentioned_landscape(facts)["classes"]
    assert all(count > 0 for count in seen.values()), seen


def test_heldout_landscape_combinations_are_marked(land_dir: Path) -> None:
    doc = captions.read_captions(str(land_dir))
    held = {tuple(h) for h in doc["heldout_combinations"]}
    for item in doc["items"]:
        f = item["facts"]
        key = (f["season"], f["time"], f["mountains"], f["water"] is not None)
        assert (item["split"] == "heldout") == (key in held)


def test_face_captions_match_the_attribute_list(face_dir: Path) -> None:
    doc = captions.read_captions(str(face_dir))
    rows = (face_dir / "list_attr.txt").read_text().splitlines()[2:]
    for item, row in zip(doc["items"], rows):
        name, *values = row.split()
        assert item["file"] == name
        attrs = dict(zip(faces.FACE_ATTRIBUTES, (v == "1" for v in values)))
        assert captions.mentioned_face(item["facts"]) == attrs
        for text in item["captions"]:
            assert (" glasses" in text and "no glasses" not in text or "spectacles" in text or "eyeglasses" in text) == attrs["Eyeglasses"]
            hair = next(h for h in ("black", "blond", "brown") if attrs[f"{h.capitalize()}_Hair"])
            assert f"{hair} hair" in text
        key = (item["facts"]["hair"], item["facts"]["male"], item["facts"]["glasses"])
        assert (item["split"] == "heldout") == (key in captions.HELDOUT_FACES)


def test_captions_file_is_checked(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make-data"):
        captions.read_captions(str(tmp_path))
    (tmp_path / "captions.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not a"):
        captions.read_captions(str(tmp_path))
