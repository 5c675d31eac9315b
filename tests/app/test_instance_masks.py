"""The instance-mask document of the Convert workspace: layers, disc strokes, erase, undo, import, overlay."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.app.instance_masks import MAX_INSTANCES, InstanceMasks


@pytest.fixture
def masks(qapp) -> InstanceMasks:  # type: ignore[no-untyped-def]
    document = InstanceMasks()
    document.reset(40, 60)
    return document


def notices(document: InstanceMasks) -> list[str]:
    said: list[str] = []
    document.notice.connect(said.append)
    return said


def test_a_stroke_stamps_discs_along_its_path_and_undo_takes_it_back(masks: InstanceMasks) -> None:
    edits: list[int] = []
    masks.edited.connect(lambda: edits.append(1))
    masks.set_brush(6)
    assert masks.begin_stroke(10, 20)  # no layer yet: the first stroke makes "Instance 1"
    masks.stroke_to(40, 20)
    assert edits == []  # the output follows finished strokes only
    masks.end_stroke()
    assert [layer.name for layer in masks.layers] == ["Instance 1"] and edits == [1]
    mask = masks.layers[0].mask
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 255}
    rows = np.nonzero(mask[:, 25])[0]
    assert rows.min() == 17 and rows.max() == 22  # 6 px wide around y = 20
    assert mask[20, 7:43].all() and not mask[20, :7].any() and not mask[20, 43:].any()  # pixel centres within 3 px
    assert not mask[:14].any() and not mask[26:].any()
    # erase a part with a second stroke, then undo it
    masks.begin_stroke(25, 20, erase=True)
    masks.end_stroke()
    assert not mask[20, 25]
    assert masks.undo() and mask[20, 25] == 255
    assert masks.undo() and not mask.any() and not masks.undo()


def test_layers_keep_their_numbers_and_colours_and_strokes_go_to_the_selected_one(masks: InstanceMasks) -> None:
    assert masks.add_layer() == 0 and masks.add_layer() == 1 and masks.add_layer() == 2
    masks.select(0)
    masks.begin_stroke(5, 5)
    masks.end_stroke()
    masks.select(2)
    masks.begin_stroke(50, 30)
    masks.end_stroke()
    assert [layer.painted for layer in masks.layers] == [True, False, True]
    assert [layer.name for layer in masks.painted()] == ["Instance 1", "Instance 3"]
    colours = [layer.colour for layer in masks.layers]
    assert len(set(colours)) == 3
    masks.remove_layer(0)
    assert [layer.name for layer in masks.layers] == ["Instance 2", "Instance 3"]
    assert [layer.colour for layer in masks.layers] == colours[1:]
    assert masks.undo() and not masks.layers[1].painted  # the removed layer's stroke left the history
    assert not masks.undo()
    assert masks.add_layer() == 2 and masks.layers[2].name == "Instance 4"


def test_overlay_colours_each_instance_and_stays_clear_elsewhere(masks: InstanceMasks) -> None:
    masks.add_layer()
    masks.layers[0].mask[10:20, 10:20] = 255
    masks.add_layer()  # selected: drawn stronger
    masks.layers[1].mask[15:25, 30:40] = 255
    rgba = masks.overlay()
    assert rgba.shape == (40, 60, 4) and rgba[0, 0, 3] == 0
    assert tuple(rgba[12, 12, :3]) == masks.layers[0].colour and 0 < rgba[12, 12, 3] < rgba[20, 35, 3] < 255
    patch = masks.overlay(8, 9, 5, 4)
    assert patch.shape == (4, 5, 4) and np.array_equal(patch, rgba[9:13, 8:13])


def test_too_many_layers_are_refused(masks: InstanceMasks) -> None:
    said = notices(masks)
    for _ in range(MAX_INSTANCES):
        assert masks.add_layer() is not None
    assert masks.add_layer() is None and "At most 20" in said[-1]


def test_import_makes_a_layer_per_file_and_refuses_what_does_not_fit(masks: InstanceMasks, tmp_path: Path) -> None:
    said = notices(masks)
    grey = np.zeros((40, 60), np.uint8)
    grey[5:15, 5:25] = 1  # any non-zero value is inside
    Image.fromarray(grey).save(tmp_path / "a.png")
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[20:30, 30:50] = (255, 255, 255, 255)
    rgba[0:5, 0:5] = (255, 255, 255, 0)  # transparent: outside, whatever its colour
    Image.fromarray(rgba).save(tmp_path / "b.png")
    assert masks.import_files([tmp_path / "a.png", tmp_path / "b.png"]) == 2
    assert [layer.name for layer in masks.layers] == ["Instance 1", "Instance 2"]
    assert masks.layers[0].mask.sum() == 10 * 20 * 255 and masks.layers[1].mask.sum() == 10 * 20 * 255
    Image.fromarray(np.full((20, 20), 255, np.uint8)).save(tmp_path / "small.png")
    assert masks.import_files([tmp_path / "small.png"]) == 0
    assert "20x20" in said[-1] and "60x40" in said[-1] and "picture's size" in said[-1]
    Image.fromarray(np.zeros((40, 60), np.uint8)).save(tmp_path / "empty.png")
    assert masks.import_files([tmp_path / "a.png", tmp_path / "empty.png"]) == 0 and "no non-zero pixel" in said[-1]
    (tmp_path / "broken.png").write_bytes(b"nope")
    assert masks.import_files([tmp_path / "broken.png"]) == 0 and said[-1].startswith("Cannot import the mask")
    assert masks.import_files([tmp_path / "a.png"] * (MAX_INSTANCES - 1)) == 0 and "Too many masks" in said[-1]
    assert len(masks.layers) == 2  # nothing of a refused import was added


def test_nothing_happens_without_a_picture(qapp) -> None:  # type: ignore[no-untyped-def]
    document = InstanceMasks()
    said = notices(document)
    assert document.add_layer() is None and "Open an image first" in said[-1]
    assert not document.begin_stroke(1, 1)
    assert document.overlay().size == 0
