"""The Layout view-model on a tiny native LostGAN: classes and limits from the file, one undo step per edit, previews
while dragging and a full render after, stale results dropped, boxes kept by class name across models, export."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ganstudio.app.inference import InferenceController
from ganstudio.app.layout_viewmodel import (
    LayoutBox,
    LayoutViewModel,
    model_classes,
    model_max_objects,
)
from ganstudio.checkpoints import save_model
from ganstudio.document.image_io import read_image_settings
from ganstudio.engine.jobs import Result
from ganstudio.engine.runner import JobRunner
from ganstudio.models.lostgan import LostGANGenerator

TIMEOUT_MS = 30_000
NAMES = ["__image__", "sky", "cloud", "mountain", "snow", "rock", "grass", "tree", "water", "sand"]


def save_tiny_lostgan(path: Path, names: list[str], max_objects: int | None = None) -> Path:
    """A random-weight 128 px LostGAN (ch 2) with these classes, saved as the trainer saves one."""
    torch.manual_seed(0)
    net = LostGANGenerator(size=128, ch=2, num_classes=len(names), z_dim=8, embed_dim=8, mask_hidden=8, mask_head=4)
    labels = [{"id": i, "name": n, "color": [(37 * i) % 256, (91 * i) % 256, (53 * i) % 256]} for i, n in enumerate(names)]
    provenance = {"recipe": "lostgan", "options": {"max_objects": max_objects}} if max_objects else None
    return save_model(net.eval(), path, labels=labels, resolution=128, **({"provenance": provenance} if provenance else {}))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lostgan")
    return {"landscape": save_tiny_lostgan(folder / "tiny-landscape.safetensors", NAMES, max_objects=5),
            "other": save_tiny_lostgan(folder / "tiny-other.safetensors", ["__image__", "water", "boat", "sky"])}


@pytest.fixture
def vm(qtbot, models):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    model = LayoutViewModel(controller, seed=1)
    with qtbot.waitSignal(model.outputChanged, timeout=TIMEOUT_MS):
        model.load_model(models["landscape"])
    yield model
    controller.shutdown()


def settled(qtbot, vm: LayoutViewModel) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: vm.output is not None and not vm.output.preview and vm.output.state == vm.state, timeout=TIMEOUT_MS)


def test_classes_and_limit_come_from_the_file() -> None:
    info = {"config": {"num_classes": 3}, "labels": [{"id": 0, "name": "__image__"}, {"id": 1, "name": "sky", "color": [1, 2, 3]},
                                                     {"id": 2, "name": "tree"}]}
    classes = model_classes(info)
    assert [(c.id, c.name) for c in classes] == [(1, "sky"), (2, "tree")] and classes[0].color == (1, 2, 3)
    assert classes[1].color != classes[0].color  # no colour in the file: one is made up per class
    official = {"config": {"num_classes": 4}, "class_names": ["__image__", "person", "bicycle", "car"], "max_objects": 8}
    assert [c.name for c in model_classes(official)] == ["person", "bicycle", "car"] and model_max_objects(official) == 8
    assert model_max_objects({"provenance": {"options": {"max_objects": 31}}}) == 31
    assert model_max_objects({}) == model_max_objects(None) == 8


def test_a_model_starts_with_a_landscape_layout(vm: LayoutViewModel) -> None:
    assert [c.name for c in vm.classes] == NAMES[1:] and vm.max_objects == 5
    assert [vm.class_by_id(b.class_id).name for b in vm.boxes] == ["sky", "mountain", "tree", "water"]
    assert vm.output.image.shape == (128, 128, 3) and vm.output.masks.shape == (4, 128, 128)
    assert vm.undo_stack.count() == 0  # the starter layout is where history begins


def test_every_edit_is_one_undo_step(qtbot, vm: LayoutViewModel) -> None:  # type: ignore[no-untyped-def]
    states = [vm.state]
    vm.set_current_class(vm.class_named("rock").id)
    assert vm.add_box(0.1, 0.5, 0.2, 0.2) == 4
    states.append(vm.state)
    vm.select(4)
    vm.set_current_class(vm.class_named("sand").id)  # the selected box changes class
    states.append(vm.state)
    vm.reroll_object()
    states.append(vm.state)
    vm.reroll_scene()
    states.append(vm.state)
    vm.begin_drag()
    for step in range(1, 4):
        vm.drag_box(4, 0.1 + 0.05 * step, 0.5, 0.2, 0.2)
    vm.end_drag()
    states.append(vm.state)
    vm.delete_box(0)
    states.append(vm.state)
    assert vm.undo_stack.count() == len(states) - 1
    assert [b.class_id for b in states[2].boxes][4] == vm.class_named("sand").id
    assert states[3].boxes[4].seed != states[2].boxes[4].seed and states[3].boxes[:4] == states[2].boxes[:4]
    assert states[4].scene_seed != states[3].scene_seed and states[4].boxes == states[3].boxes
    assert states[5].boxes[4].x == pytest.approx(0.25)
    for expected in reversed(states[:-1]):
        vm.undo_stack.undo()
        assert vm.state == expected
    for expected in states[1:]:
        vm.undo_stack.redo()
        assert vm.state == expected
    settled(qtbot, vm)


def test_dragging_posts_previews_then_one_full_render(qtbot, vm: LayoutViewModel) -> None:  # type: ignore[no-untyped-def]
    submitted = []
    submit = vm.controller.submit
    vm.controller.submit = lambda job: (submitted.append(job), submit(job))[1]  # type: ignore[method-assign]
    vm.begin_drag()
    vm.drag_box(1, 0.1, 0.3, 0.5, 0.3)
    vm.drag_box(1, 0.2, 0.3, 0.5, 0.3)
    vm.end_drag("Move mountain")
    assert [j.preview for j in submitted] == [True, True, False]
    assert [j.revision for j in submitted] == sorted(j.revision for j in submitted)
    assert np.allclose(submitted[-1].boxes[1], (0.2, 0.3, 0.5, 0.3)) and vm.undo_stack.undoText() == "Move mountain"
    settled(qtbot, vm)
    assert vm.output.revision == submitted[-1].revision and vm.output.image.shape == (128, 128, 3)


def test_stale_results_are_dropped(qtbot, vm: LayoutViewModel) -> None:  # type: ignore[no-untyped-def]
    settled(qtbot, vm)
    first = vm.request()
    vm.request()
    qtbot.waitUntil(lambda: vm.output.revision == vm.revision, timeout=TIMEOUT_MS)
    shown = vm.output
    late = Result(job_id=first or 0, channel="layout", revision=vm.revision - 1, elapsed_ms=1.0,
                  outputs={"image": np.zeros((128, 128, 3), np.uint8), "masks": np.zeros((4, 128, 128), np.uint8)})
    vm._on_result(late)  # the older request's picture arriving after the newer one's
    assert vm.output is shown


def test_the_object_limit_is_refused_in_words(vm: LayoutViewModel) -> None:
    notices = []
    vm.notice.connect(notices.append)
    assert vm.add_box(0.1, 0.1, 0.1, 0.1) == 4  # 5 of 5
    assert vm.add_box(0.3, 0.1, 0.1, 0.1) == -1 and len(vm.boxes) == 5
    assert "at most 5 objects" in notices[-1]
    assert vm.add_box(0.1, 0.1, 0.001, 0.5) == -1  # too thin to be a box


def test_a_new_model_keeps_the_boxes_whose_class_it_knows(qtbot, vm: LayoutViewModel, models) -> None:  # type: ignore[no-untyped-def]
    notices = []
    vm.notice.connect(notices.append)
    before = {vm.class_by_id(b.class_id).name: b for b in vm.boxes}
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        vm.load_model(models["other"])
    kept = {vm.class_by_id(b.class_id).name: b for b in vm.boxes}
    assert set(kept) == {"sky", "water"} and kept["water"].class_id == 1 and kept["water"].rect == before["water"].rect
    assert "2 box(es)" in notices[-1] and vm.undo_stack.count() == 0


def test_export_writes_the_layout_into_the_png(qtbot, vm: LayoutViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settled(qtbot, vm)
    vm.export(tmp_path / "layout.png")
    settings = read_image_settings(tmp_path / "layout.png")
    assert settings["model"] == "tiny-landscape.safetensors" and settings["scene_seed"] == vm.state.scene_seed
    assert [o["class"] for o in settings["objects"]] == ["sky", "mountain", "tree", "water"]
    assert settings["objects"][0]["seed"] == vm.boxes[0].seed and settings["objects"][0]["box"] == [0.0, 0.0, 1.0, 0.45]


def test_boxes_stay_on_the_canvas() -> None:
    box = LayoutBox(1, -0.2, 0.9, 0.5, 0.4, 0).clamped()
    assert (box.x, box.y, box.w, box.h) == pytest.approx((0.0, 0.6, 0.5, 0.4))


def test_the_layout_goes_into_the_project_file_and_back_by_class_name(qtbot, vm: LayoutViewModel, models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ganstudio.app.layout_project_part import LayoutProjectPart
    from ganstudio.document.project import Project, load_project, save_project

    vm.reroll_scene()
    saved = vm.state
    path = save_project(tmp_path / "work.gstudio", Project(**LayoutProjectPart(vm).capture()))
    project = load_project(path)
    assert [b["class"] for b in project.layout["boxes"]] == [vm.class_by_id(b.class_id).name for b in saved.boxes]

    # a fresh window restores the project before its model arrives: the boxes wait for the classes
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    fresh = LayoutViewModel(controller, seed=9)
    try:
        assert LayoutProjectPart(fresh).restore(project, modified=False) == []
        assert fresh.layout_json() == project.layout  # kept as it came until then
        with qtbot.waitSignal(fresh.outputChanged, timeout=TIMEOUT_MS):
            fresh.load_model(models["landscape"])
        assert fresh.state == saved and fresh.undo_stack.count() == 0
        # another model: the boxes whose class it lacks are left out, with a note
        with qtbot.waitSignal(fresh.outputChanged, timeout=TIMEOUT_MS):
            fresh.load_model(models["other"])
        notes = fresh.restore_layout(project.layout)
        kept = {"sky", "water"} & {b["class"] for b in project.layout["boxes"]}
        assert len(fresh.state.boxes) == sum(b["class"] in kept for b in project.layout["boxes"])
        assert notes and "does not know" in notes[0] and "left out" in notes[0]
    finally:
        controller.shutdown()
