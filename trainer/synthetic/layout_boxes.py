"""LostGAN layouts from the synthetic landscapes: one box per connected region of a class in the label map.

Class ids are shifted by one so that 0 stays LostGAN's padding class ("__image__"); boxes are
(x0, y0, w, h) in [0, 1] with the region's pixel extent, as the reference's COCO loader gives them
(pixel x / width). Regions smaller than `min_area` pixels are dropped; at most `max_objects` are kept,
largest first, and the rest of the list is padding: class 0 with the off-canvas box the reference uses.
"""
from __future__ import annotations

import numpy as np

from .instances import components
from .landscapes import LANDSCAPE_CLASSES

PADDING_BOX = (-0.6, -0.6, 0.5, 0.5)
LAYOUT_CLASSES: list[str] = ["__image__"] + [c["name"] for c in LANDSCAPE_CLASSES]


def label_map_boxes(label: np.ndarray, max_objects: int = 8, min_area: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """label [H, W] class ids -> (boxes [max_objects, 4] float32, classes [max_objects] int64, masks [max_objects, H, W] bool).

    Padding rows have class 0, the off-canvas box and an empty mask.
    """
    h, w = label.shape
    found: list[tuple[int, int, np.ndarray]] = []
    for class_id in np.unique(label):
        for region in components(label == class_id):
            area = int(region.sum())
            if area >= min_area:
                found.append((area, int(class_id) + 1, region))
    found.sort(key=lambda item: -item[0])
    boxes = np.tile(np.asarray(PADDING_BOX, dtype=np.float32), (max_objects, 1))
    classes = np.zeros(max_objects, dtype=np.int64)
    masks = np.zeros((max_objects, h, w), dtype=bool)
    for i, (_area, class_id, region) in enumerate(found[:max_objects]):
        rows, cols = np.nonzero(region)
        boxes[i] = (cols.min() / w, rows.min() / h, (cols.max() + 1 - cols.min()) / w, (rows.max() + 1 - rows.min()) / h)
        classes[i] = class_id
        masks[i] = region
    return boxes, classes, masks
