import numpy as np
import pytest

from ganstudio.document.bbox import BBox, mask_bbox, union_bbox
from ganstudio.document.errors import ClassIdOutOfRangeError, DocumentError
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette


def test_out_of_range_ids_name_the_ids():
    ids = np.zeros((4, 4), np.int32)
    ids[0, 0], ids[1, 1], ids[2, 2] = 9, 12, 9
    with pytest.raises(ClassIdOutOfRangeError) as info:
        LabelMap(ids, Palette.generic(5))
    assert info.value.ids == [9, 12] and info.value.num_classes == 5
    assert "9, 12" in str(info.value)
    with pytest.raises(ClassIdOutOfRangeError):
        LabelMap(-np.ones((2, 2), np.int64), Palette.generic(5))


def test_rejects_non_integer_and_non_2d():
    with pytest.raises(DocumentError):
        LabelMap(np.zeros((2, 2), np.float32), Palette.generic(2))
    with pytest.raises(DocumentError):
        LabelMap(np.zeros((2, 2, 2), np.uint8), Palette.generic(2))


def test_dtype_follows_palette_and_copy():
    src = np.ones((3, 4), np.int64)
    lm = LabelMap(src, Palette.generic(3))
    assert lm.ids.dtype == np.uint8 and lm.shape == (3, 4)
    big = LabelMap(np.full((2, 2), 300), Palette.generic(400))
    assert big.ids.dtype == np.uint16
    own = np.zeros((2, 2), np.uint8)
    assert LabelMap(own, Palette.generic(2)).ids is not own


def test_extract_apply_and_revision():
    lm = LabelMap.blank(10, 8, Palette.generic(4), fill=1)
    rev = lm.revision
    box = BBox(2, 3, 6, 5)
    patch = np.full((2, 4), 3, np.uint8)
    lm.apply(box, patch)
    assert lm.revision > rev
    assert np.array_equal(lm.extract(box), patch)
    assert lm.class_counts().tolist() == [0, 72, 0, 8]
    with pytest.raises(DocumentError):
        lm.apply(box, np.zeros((3, 3), np.uint8))
    with pytest.raises(ClassIdOutOfRangeError):
        lm.apply(box, np.full((2, 4), 4, np.uint8))
    with pytest.raises(DocumentError):
        lm.extract(BBox(8, 0, 11, 2))


def test_set_palette_checks_ids():
    lm = LabelMap(np.array([[0, 3]]), Palette.generic(4))
    with pytest.raises(ClassIdOutOfRangeError):
        lm.set_palette(Palette.generic(3))
    lm.set_palette(Palette.generic(300))
    assert lm.ids.dtype == np.uint16 and lm.ids.tolist() == [[0, 3]]


def test_colorize_box():
    palette = Palette([("a", (1, 2, 3)), ("b", (4, 5, 6))])
    lm = LabelMap(np.array([[0, 1], [1, 1]]), palette)
    assert lm.colorize(BBox(1, 0, 2, 1)).tolist() == [[[4, 5, 6]]]


def test_bbox_helpers():
    a = BBox(0, 0, 2, 2)
    assert a.union(BBox(5, 5, 6, 7)) == BBox(0, 0, 6, 7)
    assert union_bbox(None, None) is None and union_bbox(None, a) == a
    assert BBox(-3, -3, 4, 40).clip(10, 10) == BBox(0, 0, 4, 10)
    assert BBox(3, 3, 3, 9).is_empty
    mask = np.zeros((5, 6), bool)
    mask[1, 2] = mask[3, 4] = True
    assert mask_bbox(mask, origin=(10, 20)) == BBox(12, 21, 15, 24)
    assert mask_bbox(np.zeros((2, 2), bool)) is None


def test_snapshot_is_frozen_and_tagged():
    lm = LabelMap.blank(4, 3, Palette.generic(2))
    lm.touch()
    ids, revision = lm.snapshot()
    assert revision == lm.revision and not ids.flags.writeable
    lm.ids[0, 0] = 1
    assert ids[0, 0] == 0
