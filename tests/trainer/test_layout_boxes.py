"""Boxes derived from the synthetic landscapes' label maps for LostGAN layouts."""
from __future__ import annotations

import numpy as np

from trainer.synthetic.landscapes import CLASS_ID, render
from trainer.synthetic.layout_boxes import LAYOUT_CLASSES, PADDING_BOX, label_map_boxes


def test_boxes_enclose_their_regions_and_pad_with_class_zero() -> None:
    label = np.zeros((20, 30), dtype=np.uint8)  # sky everywhere
    label[10:20, :] = CLASS_ID["grass"]
    label[12:16, 3:8] = CLASS_ID["tree"]
    label[11:15, 20:27] = CLASS_ID["tree"]  # a second tree region: its own box
    boxes, classes, masks = label_map_boxes(label, max_objects=6, min_area=4)
    names = [LAYOUT_CLASSES[c] for c in classes]
    assert names[:2] == ["sky", "grass"] and sorted(names[2:4]) == ["tree", "tree"] and names[4:] == ["__image__"] * 2
    assert np.allclose(boxes[0], (0, 0, 1, 0.5)) and np.allclose(boxes[1], (0, 0.5, 1, 0.5))
    tree = [i for i in range(4) if names[i] == "tree" and boxes[i][0] < 0.5][0]
    assert np.allclose(boxes[tree], (3 / 30, 12 / 20, 5 / 30, 4 / 20))
    assert masks[tree].sum() == 20 and not masks[4:].any()
    assert np.allclose(boxes[4:], PADDING_BOX)


def test_rendered_landscape_gives_a_layout() -> None:
    label, _image = render(3, 5, 64)
    boxes, classes, masks = label_map_boxes(label)
    kept = classes > 0
    assert kept.sum() >= 2 and (boxes[kept] >= 0).all() and (boxes[kept, :2] + boxes[kept, 2:] <= 1 + 1e-6).all()
    for box, cls, mask in zip(boxes[kept], classes[kept], masks[kept]):
        assert (label[mask] == cls - 1).all()
