"""OASIS re-rolls in the painting view-model: one undo step each, exact undo/redo, requests carry the state, projects keep it."""
from __future__ import annotations

import numpy as np
import pytest

from ganstudio.app.painting_synthesis import PAINTING_MODEL_ARCHS, rerolls_noise
from ganstudio.app.painting_viewmodel import PaintingViewModel
from ganstudio.document.oasis_noise import NoiseState, Reroll


def oasis_vm() -> PaintingViewModel:
    vm = PaintingViewModel(40, 30)
    labels = np.zeros((30, 40), np.uint8)
    labels[:, 20:] = 2
    labels[5:10, 2:8] = 2  # a second, separate area of class 2
    vm.set_labels(labels)
    vm.set_noise_available(True)
    vm.synthesis_enabled = True
    return vm


def test_oasis_paints_and_only_models_with_3d_noise_reroll() -> None:
    assert "oasis" in PAINTING_MODEL_ARCHS
    assert rerolls_noise({"arch": "oasis", "config": {}})
    assert not rerolls_noise({"arch": "oasis", "config": {"no_3dnoise": True}})
    assert not rerolls_noise({"arch": "sean", "config": {}}) and not rerolls_noise(None)


def test_each_reroll_is_one_undo_step_and_undo_redo_restore_the_exact_state(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = oasis_vm()
    requests = []
    vm.synthesisRequested.connect(requests.append)
    assert vm.undo_stack.isClean() and vm.noise == NoiseState()

    assert vm.reroll_class(2, seed=11)
    assert vm.noise == NoiseState(0, (Reroll(11, class_id=2),))
    assert vm.reroll_at(3.5, 6.5, connected=True, seed=12)  # the small area only
    mask = vm.noise.rerolls[-1].mask
    assert mask is not None and mask.sum() == 30 and mask[5:10, 2:8].all()
    assert vm.reroll_all(seed=13)
    assert vm.noise == NoiseState(13)
    assert vm.set_noise_seed(14) and vm.noise == NoiseState(14)
    assert vm.undo_stack.count() == 4 and vm.is_modified
    name = vm.palette[2].name
    assert [vm.undo_stack.text(i) for i in range(4)] == [f"Re-roll {name}", f"Re-roll {name} area", "Re-roll all noise", "Noise seed 14"]

    states = []
    for _ in range(4):
        vm.undo_stack.undo()
        states.append(vm.noise)
    assert states[0] == NoiseState(13)
    assert states[1].seed == 0 and len(states[1].rerolls) == 2
    assert states[2] == NoiseState(0, (Reroll(11, class_id=2),))
    assert states[3] == NoiseState() and vm.undo_stack.isClean()
    for _ in range(4):
        vm.undo_stack.redo()
    assert vm.noise == NoiseState(14)
    # every change asked for a full-quality picture carrying the state it shows
    assert requests and not requests[-1].preview
    assert requests[-1].style["noise"] == {"seed": 14, "rerolls": []}
    assert len({r.revision for r in requests}) == len(requests)


def test_rerolls_without_an_oasis_model_do_nothing_and_say_why(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = oasis_vm()
    vm.set_tool("reroll")
    assert vm.tool == "reroll"
    vm.set_noise_available(False)
    assert vm.tool == "brush"  # the re-roll tool goes with the model
    notices = []
    vm.notice.connect(notices.append)
    assert not vm.reroll_all() and not vm.reroll_class(0)
    vm.set_tool("reroll")
    assert vm.tool == "brush" and vm.undo_stack.count() == 0 and len(notices) == 3 and "OASIS" in notices[0]


def test_a_click_outside_the_map_or_an_unknown_class_rerolls_nothing(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = oasis_vm()
    assert not vm.reroll_at(-1, 3) and not vm.reroll_at(3, 500)
    assert not vm.reroll_class(99)
    assert vm.undo_stack.count() == 0


def test_noise_state_goes_through_the_style_state_of_projects(qapp) -> None:  # type: ignore[no-untyped-def]
    vm = oasis_vm()
    vm.reroll_class(2, seed=5)
    vm.reroll_at(3, 6, connected=True, seed=6)
    state, arrays = vm.style_state()
    assert state["noise"]["rerolls"][0] == {"seed": 5, "class_id": 2}
    other = PaintingViewModel(40, 30)
    changed = []
    other.noiseChanged.connect(lambda: changed.append(True))
    other.restore_style_state(state, arrays)
    assert other.noise == vm.noise and changed
    assert other.undo_stack.count() == 0  # opening a project is not an edit
    other.restore_style_state({"seed": 1}, {})  # an old project: default noise
    assert other.noise == NoiseState()


@pytest.mark.parametrize("bad", [{"seed": -5}, {"rerolls": [{"seed": 1, "class_id": -2}]}])
def test_an_unusable_noise_state_falls_back_to_the_default_with_a_notice(qapp, bad) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel(8, 8)
    notices = []
    vm.notice.connect(notices.append)
    vm.restore_style_state({"noise": bad}, {})
    assert vm.noise == NoiseState() and notices


def test_an_exported_oasis_picture_names_its_noise(qapp) -> None:  # type: ignore[no-untyped-def]
    from ganstudio.app.painting_export import ExportSize, painting_settings

    vm = oasis_vm()
    vm.reroll_class(2, seed=5)
    vm.reroll_at(3, 6, connected=True, seed=6)
    size = ExportSize("native", "Model output", 40, 30)
    noise = painting_settings(vm, {"arch": "oasis", "path": ""}, size)["style"]["noise"]
    assert noise["seed"] == 0 and noise["rerolls"][0] == {"seed": 5, "class_id": 2}
    assert noise["rerolls"][1]["mask_pixels"] == 30 and len(noise["rerolls"][1]["mask_sha"]) == 32
    assert "noise" not in painting_settings(vm, {"arch": "spade", "path": ""}, size)["style"]
