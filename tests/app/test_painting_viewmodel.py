"""Painting view-model and tool ops: exact edits, patch-sized undo, throttled requests, stale results dropped."""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import pytest

from ganstudio.app.model_library import ModelLibrary, describe_model_file
from ganstudio.app.painting_viewmodel import MAX_BRUSH, MIN_BRUSH, PaintingViewModel


def naive_fill(labels: np.ndarray, x: int, y: int, value: int) -> np.ndarray:
    out = labels.copy()
    target = out[y, x]
    queue = deque([(y, x)])
    seen = np.zeros(out.shape, bool)
    seen[y, x] = True
    while queue:
        r, c = queue.popleft()
        out[r, c] = value
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < out.shape[0] and 0 <= nc < out.shape[1] and not seen[nr, nc] and labels[nr, nc] == target:
                seen[nr, nc] = True
                queue.append((nr, nc))
    return out


def changed_boxes(vm: PaintingViewModel) -> list[tuple[int, int, int, int]]:
    boxes: list[tuple[int, int, int, int]] = []
    vm.labelsChanged.connect(lambda *box: boxes.append(box))
    return boxes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fill_tool_matches_a_pixel_by_pixel_fill(qapp, seed: int) -> None:  # type: ignore[no-untyped-def]
    labels = (np.random.default_rng(seed).random((40, 50)) > 0.45).astype(np.uint8)
    vm = PaintingViewModel(50, 40)
    vm.set_labels(labels)
    vm.set_current_class(5)
    expected = naive_fill(labels, 7, 9, 5)
    boxes = changed_boxes(vm)
    vm.fill_at(7, 9)
    assert np.array_equal(vm.labels, expected)
    rows, cols = np.nonzero(expected == 5)
    assert boxes == [(rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)]
    vm.undo_stack.undo()
    assert np.array_equal(vm.labels, labels)


def test_brush_is_round_hard_edged_and_sized(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(300, 300)
    vm.set_current_class(3)
    vm.set_brush_size(200)
    boxes = changed_boxes(vm)
    vm.begin_stroke(150, 150)
    vm.end_stroke()
    labels = vm.labels
    assert set(np.unique(labels)) == {0, 3}  # no blending
    area = (labels == 3).sum()
    assert abs(area - math.pi * 100 * 100) / (math.pi * 100 * 100) < 0.02
    assert boxes == [(50, 50, 250, 250)]
    one = PaintingViewModel(10, 10)
    one.set_current_class(2)
    one.set_brush_size(1)
    one.begin_stroke(4.5, 6.5)
    one.end_stroke()
    assert (one.labels == 2).sum() == 1 and one.labels[6, 4] == 2


def test_stroke_is_one_undo_step_storing_only_its_box(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(1024, 1024)
    vm.set_brush_size(10)
    vm.begin_stroke(100, 100)
    for x in range(100, 200, 5):
        vm.stroke_to(x, 120)
    vm.end_stroke()
    assert vm.undo_stack.count() == 1
    command = vm.undo_stack.command(0)
    assert command.stored_bytes < 2 * 120 * 40  # a bounding-box patch, not 1 MB maps
    painted = vm.labels.copy()
    vm.undo_stack.undo()
    assert not vm.labels.any()
    vm.undo_stack.redo()
    assert np.array_equal(vm.labels, painted)


def test_brush_size_is_clamped(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(8, 8)
    vm.set_brush_size(10_000)
    assert vm.brush_size == MAX_BRUSH
    vm.set_brush_size(-3)
    assert vm.brush_size == MIN_BRUSH
    vm.grow_brush()
    assert vm.brush_size == 2


def test_replace_everywhere_and_eraser(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(20, 20)
    vm.set_current_class(4)
    vm.draw_rect((2, 2), (5, 5))
    vm.draw_rect((12, 12), (15, 15))
    vm.replace_everywhere(4, 7)
    assert (vm.labels == 7).sum() == 32 and not (vm.labels == 4).any()
    vm.set_background_class(1)
    vm.set_tool("eraser")
    vm.begin_stroke(3.5, 3.5)
    vm.end_stroke()
    assert vm.labels[3, 3] == 1
    assert vm.undo_stack.count() == 4


def test_requests_are_throttled_while_painting_and_full_after(qtbot) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(64, 64)
    vm.synthesis_enabled = True
    requests = []
    vm.synthesisRequested.connect(requests.append)
    vm.begin_stroke(5, 5)
    for x in range(5, 60):
        vm.stroke_to(x, 5)
    assert requests == []  # the preview timer coalesces segments
    with qtbot.waitSignal(vm.synthesisRequested, timeout=2000):
        pass
    assert requests[-1].preview
    vm.end_stroke()
    assert not requests[-1].preview and requests[-1].revision == vm.revision
    assert np.array_equal(requests[-1].labels, vm.labels) and requests[-1].labels is not vm.labels


def test_older_outputs_are_dropped(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(8, 8)
    image = np.zeros((8, 8, 3), np.uint8)
    assert vm.accept_output(5, image)
    assert not vm.accept_output(4, image + 1)
    assert vm.output_revision == 5 and not vm.output.any()


def test_out_of_range_labels_are_refused_and_nothing_changes(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(8, 8)
    before = vm.labels.copy()
    with pytest.raises(ValueError, match="out of range"):
        vm.set_labels(np.full((4, 4), 99))
    assert np.array_equal(vm.labels, before)


def test_style_state_round_trips(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(8, 8)
    image = np.full((4, 4, 3), 9, np.uint8)
    name = vm.add_style_source("a", image, np.zeros((4, 4), np.uint8))
    assert vm.add_style_source("a", image, np.zeros((4, 4), np.uint8)) == "a (2)"
    vm.set_region_source(2, name)
    vm.set_blend("a (2)", 0.25)
    state, arrays = vm.style_state()
    other = PaintingViewModel(8, 8)
    other.restore_style_state(state, arrays)
    assert other.style["regions"] == {2: "a"} and other.style["blend"] == {"source": "a (2)", "amount": 0.25}
    with pytest.raises(ValueError, match="label map is"):
        vm.add_style_source("bad", image, np.zeros((5, 4), np.uint8))


def test_model_library_reads_native_headers_without_torch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import struct

    header = {"__metadata__": {"format": "ganstudio/1", "ganstudio": json.dumps({"arch": "spade", "config": {"label_nc": 3, "crop_size": 256}, "labels": [{"name": "a", "color": [1, 2, 3]}] * 3, "resolution": 256})}}
    blob = json.dumps(header).encode()
    (tmp_path / "m.safetensors").write_bytes(struct.pack("<Q", len(blob)) + blob)
    (tmp_path / "official.pth").write_bytes(b"x")
    entry = describe_model_file(tmp_path / "m.safetensors", "user")
    assert (entry.arch, entry.resolution, entry.num_classes) == ("spade", 256, 3)
    assert entry.summary == "SPADE, 256 px, 3 classes"
    library = ModelLibrary(tmp_path, tmp_path / "none")
    assert [e.name for e in library.entries] == ["m.safetensors", "official.pth"]


def test_classes_present_follow_edits_undo_and_new_documents(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(64, 64)
    assert vm.classes_present() == [0]
    vm.set_current_class(3)
    vm.draw_rect((0, 0), (10, 10))
    vm.set_current_class(5)
    vm.set_brush_size(4)
    vm.begin_stroke(30, 30)
    vm.stroke_to(50, 30)
    vm.end_stroke()
    assert vm.classes_present() == [0, 3, 5]
    vm.replace_everywhere(3, 5)
    assert vm.classes_present() == [0, 5]
    vm.undo_stack.undo()
    assert vm.classes_present() == [0, 3, 5]
    vm.set_current_class(5)
    vm.fill_at(63, 63)
    assert vm.classes_present() == [3, 5] == sorted(set(np.unique(vm.labels).tolist()))
    vm.new_document(8, 8, fill_class=2)
    assert vm.classes_present() == [2]
