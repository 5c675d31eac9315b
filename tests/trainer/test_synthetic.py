"""Synthetic data: procedural landscapes and faces, their files, and the make-data CLI."""
from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from trainer import cli
from trainer.synthetic import faces, landscapes
from trainer.synthetic.landscapes import CLASS_ID, LANDSCAPE_CLASSES

SIZE = 64
REQUIRED_CLASSES = {"sky", "cloud", "mountain", "snow", "rock", "grass", "tree", "water", "sand"}


@pytest.fixture(scope="module")
def land_batch() -> tuple[np.ndarray, np.ndarray]:
    seeds = list(range(48))
    return landscapes.render_batch(seeds, [s * 7 + 3 for s in seeds], SIZE)


def test_landscape_classes_and_palette() -> None:
    names = [c["name"] for c in LANDSCAPE_CLASSES]
    assert REQUIRED_CLASSES <= set(names)
    assert len(set(names)) == len(names)
    colours = [tuple(c["color"]) for c in LANDSCAPE_CLASSES]
    assert len(set(colours)) == len(colours), "class colours must be distinct"
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)
    pal = landscapes.palette()["classes"]
    assert [(e["id"], e["name"], e["color"]) for e in pal] == [(i, c["name"], c["color"]) for i, c in enumerate(LANDSCAPE_CLASSES)]
    label = np.arange(len(LANDSCAPE_CLASSES), dtype=np.uint8)[None, :]
    assert landscapes.colorize(label)[0].tolist() == [c["color"] for c in LANDSCAPE_CLASSES]


def test_landscape_labels_are_crisp_class_ids(land_batch) -> None:
    labels, images = land_batch
    assert labels.dtype == np.uint8 and labels.shape == (48, SIZE, SIZE)
    assert images.dtype == np.uint8 and images.shape == (48, SIZE, SIZE, 3)
    assert labels.max() < len(LANDSCAPE_CLASSES)
    present = {LANDSCAPE_CLASSES[i]["name"] for i in np.unique(labels)}
    assert present == {c["name"] for c in LANDSCAPE_CLASSES}, "every class should occur in a few dozen scenes"
    # Scene structure: sky at the top row, ground (no sky) at the bottom row.
    assert np.isin(labels[:, 0, :], [CLASS_ID["sky"], CLASS_ID["cloud"]]).mean() > 0.95
    assert not np.isin(labels[:, -1, :], [CLASS_ID["sky"], CLASS_ID["cloud"], CLASS_ID["mountain"], CLASS_ID["snow"]]).any()


def test_landscape_is_deterministic_and_batch_independent(land_batch) -> None:
    labels, images = land_batch
    label, image = landscapes.render(5, 5 * 7 + 3, SIZE)
    assert np.array_equal(label, labels[5])
    assert np.array_equal(image, images[5])
    again = landscapes.render_batch([5, 6], [38, 45], SIZE)
    assert np.array_equal(again[0][0], labels[5]) and np.array_equal(again[1][0], images[5])


def test_layout_does_not_depend_on_style() -> None:
    base_label, base_image = landscapes.render(11, 1, SIZE)
    for style_seed, season, tod in ((2, None, None), (1, "winter", "day"), (1, "autumn", "night"), (9, "summer", "dusk")):
        label, image = landscapes.render(11, style_seed, SIZE, season, tod)
        assert np.array_equal(label, base_label)
        assert np.abs(image.astype(int) - base_image).mean() > 3, "a different style must look different"
    other_label, _ = landscapes.render(12, 1, SIZE)
    assert not np.array_equal(other_label, base_label)


def test_landscape_photo_matches_labels_and_season() -> None:
    seeds = list(range(40))
    summer_labels, summer = landscapes.render_batch(seeds, seeds, SIZE, ["summer"] * 40, ["day"] * 40)
    winter_labels, winter = landscapes.render_batch(seeds, seeds, SIZE, ["winter"] * 40, ["day"] * 40)
    assert np.array_equal(summer_labels, winter_labels)

    def mean_colour(images: np.ndarray, labels: np.ndarray, name: str) -> np.ndarray:
        return images[labels == CLASS_ID[name]].astype(float).mean(axis=0)

    sky, grass = mean_colour(summer, summer_labels, "sky"), mean_colour(summer, summer_labels, "grass")
    assert sky[2] > sky[0] + 30, "a day sky is blue"
    assert grass[1] > grass[0] and grass[1] > grass[2], "summer grass is green"
    snow = mean_colour(summer, summer_labels, "snow")
    assert snow.min() > 150, "snow caps are white"
    winter_grass = mean_colour(winter, winter_labels, "grass")
    assert winter_grass.mean() > grass.mean() + 60, "winter covers the grass with snow"


def test_unknown_season_is_rejected() -> None:
    with pytest.raises(ValueError, match="season"):
        landscapes.render(0, 0, SIZE, season="monsoon")


def test_make_landscapes_writes_the_dataset(tmp_path: Path) -> None:
    out = tmp_path / "land"
    meta = landscapes.make_landscapes(str(out), n=6, size=32, seed=3, cyclegan_n=4)
    names = sorted(p.name for p in (out / "labels").iterdir())
    assert names == [f"{i:05d}.png" for i in range(6)]
    assert sorted(p.name for p in (out / "images").iterdir()) == names
    assert sorted(p.name for p in (out / "pix2pix" / "A").iterdir()) == names
    assert sorted(p.name for p in (out / "pix2pix" / "B").iterdir()) == names
    assert len(list((out / "cyclegan" / "trainA").iterdir())) == 4
    assert len(list((out / "cyclegan" / "trainB").iterdir())) == 4
    label_png = Image.open(out / "labels" / "00002.png")
    assert label_png.mode == "L" and label_png.size == (32, 32)
    label, image = landscapes.render(3 * 1_000_003 + 2, (3 * 1_000_003 + 2) * 7 + 3, 32)
    assert np.array_equal(np.asarray(label_png), label)
    assert np.array_equal(np.asarray(Image.open(out / "images" / "00002.png")), image)
    assert np.array_equal(np.asarray(Image.open(out / "pix2pix" / "A" / "00002.png")), landscapes.colorize(label))
    palette = json.loads((out / "palette.json").read_text())
    assert [e["name"] for e in palette["classes"]] == [c["name"] for c in LANDSCAPE_CLASSES]
    assert json.loads((out / "meta.json").read_text()) == meta
    assert meta["seed"] == 3 and meta["n"] == 6 and meta["cyclegan"]["trainB"]["season"] == "winter"


@pytest.fixture(scope="module")
def face_batch() -> tuple[np.ndarray, np.ndarray]:
    seeds = list(range(24))
    attrs = np.stack([faces.sample_attributes(s) for s in seeds])
    return faces.render_batch(seeds, attrs, SIZE), attrs


def _with(identity: int, **changes: bool) -> np.ndarray:
    vec = faces.sample_attributes(identity)
    for name, value in changes.items():
        if name in faces.HAIR_COLOURS and value:
            vec[[faces.FACE_ATTRIBUTES.index(h) for h in faces.HAIR_COLOURS]] = False
        vec[faces.FACE_ATTRIBUTES.index(name)] = value
    return vec


def test_face_attributes_list() -> None:
    assert {"Black_Hair", "Blond_Hair", "Brown_Hair", "Smiling", "Eyeglasses", "Male", "Young"} <= set(faces.FACE_ATTRIBUTES)
    with pytest.raises(ValueError, match="exclusive"):
        faces.attributes_vector({"Black_Hair": True, "Blond_Hair": True})
    with pytest.raises(ValueError, match="unknown"):
        faces.attributes_vector({"Purple_Hair": True})
    hair_columns = [faces.FACE_ATTRIBUTES.index(h) for h in faces.HAIR_COLOURS]
    sampled = np.stack([faces.sample_attributes(s) for s in range(200)])
    assert (sampled[:, hair_columns].sum(axis=1) == 1).all()
    assert 0.1 < sampled.mean(axis=0).min() and sampled.mean(axis=0).max() < 0.9


def test_faces_are_deterministic_and_batch_independent(face_batch) -> None:
    images, attrs = face_batch
    assert images.dtype == np.uint8 and images.shape == (24, SIZE, SIZE, 3)
    assert np.array_equal(faces.render(7, attrs[7], SIZE), images[7])
    assert np.array_equal(faces.render(7, None, SIZE), images[7])
    assert not np.array_equal(images[7], images[8])


def test_same_identity_with_changed_attributes() -> None:
    size = 96
    identity = 4
    base = faces.render(identity, _with(identity, Eyeglasses=False, Smiling=False), size).astype(int)
    glasses = faces.render(identity, _with(identity, Eyeglasses=True, Smiling=False), size).astype(int)
    smile = faces.render(identity, _with(identity, Eyeglasses=False, Smiling=True), size).astype(int)
    changed = np.abs(glasses - base).sum(-1) > 10
    # Glasses change the eye band only; the top and the bottom of the picture stay the same.
    rows = np.flatnonzero(changed.any(axis=1))
    assert changed.sum() > 50 and rows.min() > size * 0.3 and rows.max() < size * 0.65
    changed = np.abs(smile - base).sum(-1) > 10
    rows = np.flatnonzero(changed.any(axis=1))
    assert changed.sum() > 20 and rows.min() > size * 0.3 and rows.max() < size * 0.85
    # Hair colour: only hair (and brows) change, and blond is lighter than brown, brown than black.
    hair = {h: faces.render(identity, _with(identity, Young=True, **{h: True}), size).astype(int) for h in faces.HAIR_COLOURS}
    changed = np.abs(hair["Blond_Hair"] - hair["Black_Hair"]).sum(-1) > 30
    assert changed.mean() > 0.1
    brightness = {h: image[changed].mean() for h, image in hair.items()}
    assert brightness["Blond_Hair"] > brightness["Brown_Hair"] + 30 > brightness["Black_Hair"] + 30


def test_attribute_file_format(tmp_path: Path) -> None:
    meta = faces.make_faces(str(tmp_path), n=5, size=32, seed=2)
    lines = (tmp_path / "list_attr.txt").read_text().splitlines()
    assert lines[0] == "5"
    assert lines[1].split() == faces.FACE_ATTRIBUTES
    rows = [line.split() for line in lines[2:]]
    assert [r[0] for r in rows] == [f"{i:05d}.png" for i in range(5)]
    for i, row in enumerate(rows):
        values = [int(v) for v in row[1:]]
        assert set(values) <= {1, -1} and len(values) == len(faces.FACE_ATTRIBUTES)
        assert values == [1 if v else -1 for v in faces.sample_attributes(2 * 1_000_003 + i)]
        assert sum(values[:3]) == -1, "exactly one hair colour"
        image = Image.open(tmp_path / "images" / row[0])
        assert image.size == (32, 32) and image.mode == "RGB"
    assert meta["attributes"] == faces.FACE_ATTRIBUTES


def test_cli_make_data_writes_files(tmp_path: Path, capsys) -> None:
    assert cli.main(["make-data", "landscapes", str(tmp_path / "l"), "--n", "3", "--size", "32", "--seed", "1",
                     "--cyclegan-n", "2", "--quiet"]) == 0
    assert len(list((tmp_path / "l" / "labels").glob("*.png"))) == 3
    assert (tmp_path / "l" / "palette.json").is_file() and (tmp_path / "l" / "meta.json").is_file()
    assert json.loads((tmp_path / "l" / "meta.json").read_text())["seed"] == 1
    assert cli.main(["make-data", "faces", str(tmp_path / "f"), "--n", "3", "--size", "32"]) == 0
    assert len(list((tmp_path / "f" / "images").glob("*.png"))) == 3
    assert (tmp_path / "f" / "list_attr.txt").read_text().startswith("3\n")
    assert "wrote 3 faces" in capsys.readouterr().out


def test_cli_help_lists_commands_without_importing_recipes(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ["make-data"] + cli.available_recipes():
        assert name in out
    with pytest.raises(SystemExit):
        cli.main(["make-data", "landscapes", "x", "--size", "4"])
    assert "at least 16" in capsys.readouterr().err


def test_cli_dispatches_to_recipe_module(monkeypatch) -> None:
    calls = []

    def add_arguments(parser) -> None:
        parser.add_argument("--data", required=True)
        parser.add_argument("--out", required=True)

    def run(args) -> int:
        calls.append((args.data, args.out))
        return 3

    monkeypatch.setattr(cli, "available_recipes", lambda: ["fakegan"])
    monkeypatch.setattr(cli, "load_recipe", lambda name: SimpleNamespace(add_arguments=add_arguments, run=run))
    assert cli.main(["fakegan", "--data", "d", "--out", "o"]) == 3
    assert calls == [("d", "o")]


def _rate(render_n, n: int) -> float:
    """Images per second: best of two, counting the smaller of wall and CPU time, so
    that neither other processes on a shared CI machine nor idle BLAS threads count."""
    best = 0.0
    for _ in range(2):
        wall, cpu = time.perf_counter(), time.process_time()
        render_n()
        elapsed = min(time.perf_counter() - wall, time.process_time() - cpu)
        best = max(best, n / elapsed)
    return best


@pytest.mark.slow
def test_rendering_speed_at_128() -> None:
    n = 200
    land = _rate(lambda: sum(len(b[0]) for b in landscapes.iter_batches(n, 128, seed=0)), n)
    face = _rate(lambda: sum(len(b[0]) for b in faces.iter_batches(n, 128, seed=0)), n)
    print(f"landscapes {land:.0f} img/s, faces {face:.0f} img/s at 128x128")
    # The target (>= 200 img/s) is reported by benchmarks/bench_synthetic.py on an idle
    # machine (about 360 each). Here a floor that a loaded machine still clears (21 img/s was
    # seen with two training runs and two test runs on the 2 cores), but a
    # regression to per-pixel Python loops (a few img/s) does not.
    assert land >= 12, f"landscapes render at {land:.0f} img/s"
    assert face >= 30, f"faces render at {face:.0f} img/s"
