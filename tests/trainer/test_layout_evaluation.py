"""LostGAN's evaluation helpers: box masks, mask IoU over real objects only, the flat-box baseline."""
from __future__ import annotations

import numpy as np

from trainer.evaluation.layouts import box_masks, flat_boxes, layouts_of, mask_iou


def test_box_masks_cover_the_pixels_whose_centres_lie_inside() -> None:
    masks = box_masks(np.array([[[0.25, 0.5, 0.5, 0.25]]], dtype=np.float32), 8)
    assert masks.shape == (1, 1, 8, 8)
    rows, cols = np.nonzero(masks[0, 0])
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (4, 5, 2, 5)


def test_mask_iou_skips_padding_objects() -> None:
    truth = np.zeros((1, 2, 4, 4), dtype=bool)
    truth[0, 0, :2] = True  # 8 pixels
    predicted = np.zeros_like(truth)
    predicted[0, 0, :1] = True  # 4 of them
    predicted[0, 1] = True  # a padding object: not counted
    assert mask_iou(predicted, truth, np.array([[3, 0]])) == 0.5


def test_the_flat_baseline_paints_smaller_boxes_over_larger_ones() -> None:
    boxes = np.array([[[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.5, 0.5]]], dtype=np.float32)
    colours = np.array([[10.0, 10, 10], [200.0, 0, 0]])
    out = flat_boxes(boxes, np.array([[1, 2]]), 4, colours, np.zeros((4, 4, 3)))
    assert out[0, 0, 0].tolist() == [200, 0, 0] and out[0, 3, 3].tolist() == [10, 10, 10]


def test_layouts_come_from_the_label_maps_as_in_training() -> None:
    label = np.zeros((2, 16, 16), dtype=np.uint8)
    label[:, 4:12, 2:6] = 3
    _boxes, classes, truth = layouts_of(label)
    assert classes.shape == (2, 8) and sorted(classes[0][:2].tolist()) == [1, 4] and truth[0].any(axis=(1, 2)).sum() == 2
