import numpy as np
import pytest

from ganstudio.document.edits import (
    BrushStroke,
    StrokeRecorder,
    draw_line,
    draw_rectangle,
    eyedropper,
    fill_region,
    replace_class_everywhere,
)
from ganstudio.document.errors import ClassIdOutOfRangeError
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette


def random_map(seed: int = 0, size=(64, 80)) -> LabelMap:
    rng = np.random.default_rng(seed)
    return LabelMap(rng.integers(0, 5, size=size), Palette.generic(6))


def test_stroke_undo_redo_is_exact():
    lm = random_map(size=(256, 256))
    original = lm.ids.copy()
    stroke = BrushStroke(lm, 5, 9)
    boxes = [stroke.begin(10.2, 10.7), stroke.move_to(30.0, 12.0), stroke.move_to(60.5, 50.5)]
    assert all(b is not None for b in boxes)
    record = stroke.finish()
    after = lm.ids.copy()
    assert record is not None and record.description == "Brush"
    # the record is no bigger than the union of dirty boxes, and holds only patches
    assert record.before.shape == (record.bbox.height, record.bbox.width)
    assert record.nbytes < original.nbytes
    changed = np.argwhere(original != after)
    assert record.bbox == (changed[:, 1].min(), changed[:, 0].min(), changed[:, 1].max() + 1, changed[:, 0].max() + 1)
    record.undo(lm)
    assert np.array_equal(lm.ids, original)
    record.redo(lm)
    assert np.array_equal(lm.ids, after)


def test_stroke_bumps_revision_per_segment():
    lm = random_map()
    stroke = BrushStroke(lm, 5, 3)
    rev0 = lm.revision
    stroke.begin(5, 5)
    rev1 = lm.revision
    stroke.move_to(20, 5)
    assert rev0 < rev1 < lm.revision


def test_eraser_and_no_change_stroke():
    lm = LabelMap.blank(20, 20, Palette.generic(3), fill=0)
    eraser = BrushStroke(lm, 0, 10, description="Eraser")
    eraser.begin(5, 5)
    assert eraser.finish() is None  # painting background over background changes nothing
    with pytest.raises(RuntimeError):
        eraser.finish()


def test_cancel_restores():
    lm = random_map(1)
    original = lm.ids.copy()
    stroke = BrushStroke(lm, 5, 30)
    stroke.begin(20, 20)
    stroke.move_to(50, 40)
    stroke.cancel()
    assert np.array_equal(lm.ids, original)


def test_one_shot_tools_undo_exactly():
    lm = random_map(2)
    states = [lm.ids.copy()]
    records = [
        draw_line(lm, (0, 0), (79, 63), 5, 4),
        draw_rectangle(lm, (5, 5), (30, 20), 4, outline_width=3),
        draw_rectangle(lm, (40, 40), (70, 60), 3),
        fill_region(lm, (45, 45), 1),
        replace_class_everywhere(lm, 2, 0),
    ]
    for record in records:
        assert record is not None
    # rebuild the intermediate states by undoing in reverse, then redo forwards
    final = lm.ids.copy()
    for record in reversed(records):
        record.undo(lm)
    assert np.array_equal(lm.ids, states[0])
    for record in records:
        record.redo(lm)
    assert np.array_equal(lm.ids, final)


def test_fill_and_replace_report_nothing_when_nothing_changes():
    lm = LabelMap.blank(8, 8, Palette.generic(3), fill=1)
    assert fill_region(lm, (2, 2), 1) is None
    assert replace_class_everywhere(lm, 2, 0) is None
    assert eyedropper(lm, (3, 3)) == 1 and eyedropper(lm, (9, 9)) is None


def test_class_ids_are_checked():
    lm = LabelMap.blank(8, 8, Palette.generic(3))
    with pytest.raises(ClassIdOutOfRangeError):
        BrushStroke(lm, 3, 5)
    with pytest.raises(ClassIdOutOfRangeError):
        fill_region(lm, (1, 1), 7)


def test_recorder_tightens_to_changed_pixels():
    lm = LabelMap.blank(30, 30, Palette.generic(3), fill=0)
    lm.ids[10, 12] = 2
    recorder = StrokeRecorder(lm, "Custom")
    lm.ids[5:8, 5:8] = 1
    recorder.note(lm.bounds)  # an over-generous dirty box
    record = recorder.finish()
    assert record.bbox == (5, 5, 8, 8) and record.before.tolist() == [[0] * 3] * 3
