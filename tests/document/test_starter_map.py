"""The starting landscape is built from class names, whatever their ids; other palettes get none."""
from __future__ import annotations

import numpy as np

from ganstudio.document.palette import Palette, default_palette
from ganstudio.document.starter_map import is_landscape_palette, scene_roles, starter_label_map

# the synthetic-landscape classes of the bundled painting models, in their own order
MODEL_CLASSES = ["sky", "cloud", "mountain", "snow", "rock", "grass", "tree", "water", "sand"]


def model_palette() -> Palette:
    return Palette([(name, Palette.generic(len(MODEL_CLASSES))[i].color) for i, name in enumerate(MODEL_CLASSES)])


def test_sky_on_top_mountains_then_grass_with_water_and_trees_in_any_id_order() -> None:
    for palette in (default_palette(), model_palette()):
        labels = starter_label_map(palette, 256, 192)
        assert labels is not None and labels.shape == (192, 256) and labels.dtype == palette.id_dtype()
        ids = {name: palette.index_of(name) for name in ("sky", "cloud", "mountain", "snow", "grass", "tree", "water", "sand")}
        assert labels[0, 128] == ids["sky"]
        assert labels[-1, 5] == ids["grass"]
        used = set(np.unique(labels).tolist())
        assert used == set(ids.values())  # every scene class appears, rock is not part of the scene
        rows = [np.flatnonzero((labels == ids[name]).any(axis=1)) for name in ("mountain", "grass", "water")]
        mountain_rows, grass_rows, water_rows = rows
        assert mountain_rows.max() < grass_rows.min()  # the mountain band sits on the horizon
        assert water_rows.min() > mountain_rows.max()  # the lake is on the ground
        snow_rows = np.flatnonzero((labels == ids["snow"]).any(axis=1))
        assert snow_rows.max() < mountain_rows.max()  # caps on the peaks, not at their feet


def test_names_are_matched_as_words_case_insensitively() -> None:
    palette = Palette([("Sky-other", (1, 1, 1)), ("clouds", (2, 2, 2)), ("mountain, mount", (3, 3, 3)), ("sea", (4, 4, 4)), ("grass", (5, 5, 5))])
    assert scene_roles(palette) == {"sky": 0, "cloud": 1, "mountain": 2, "water": 3, "grass": 4}
    labels = starter_label_map(palette, 64, 64)
    assert labels is not None and set(np.unique(labels).tolist()) == {0, 1, 2, 3, 4}


def test_a_palette_without_sky_or_ground_gets_no_scene() -> None:
    assert starter_label_map(Palette.generic(6), 32, 32) is None
    assert not is_landscape_palette(Palette([("sky", (1, 1, 1)), ("face", (2, 2, 2))]))
    assert not is_landscape_palette(Palette([("grass", (1, 1, 1)), ("road", (2, 2, 2))]))
    sky_and_water = starter_label_map(Palette([("sky", (1, 1, 1)), ("water", (2, 2, 2))]), 32, 32)
    assert sky_and_water is not None and set(np.unique(sky_and_water).tolist()) == {0, 1}  # water is the ground
