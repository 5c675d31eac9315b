"""LatentViewModel driven through a real inference worker with a tiny random-weight StyleGAN2 model."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import read_image_settings
from ganstudio.document.latent_io import read_latent_npz, write_latent_npz
from ganstudio.document.project import Project, load_project, save_project
from ganstudio.engine.runner import JobRunner
from stylegan_models import save_tiny_stylegan2

TIMEOUT = 20_000


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return save_tiny_stylegan2(tmp_path_factory.mktemp("m") / "tiny-sg2-cond.safetensors", c_dim=3)


@pytest.fixture
def vm(qtbot, model_path):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    model = LatentViewModel(controller)
    with qtbot.waitSignal(model.outputChanged, timeout=TIMEOUT, check_params_cb=lambda *a: model.output is not None):
        model.load_model(str(model_path))
    yield model
    controller.shutdown()


def wait_output(qtbot, vm: LatentViewModel, action) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Run `action` and wait until the output of the revision it posted arrives."""
    before = vm.revision
    action()
    wanted = vm.revision
    assert wanted > before
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=TIMEOUT)
    return vm.output.image


def test_model_facts_and_seed_navigation(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    assert (vm.layout.resolution, vm.num_ws, vm.num_classes) == (32, 8, 3)
    assert len(vm.noise_scales) == len(vm.layout.noise_layers) == 7
    first = vm.output.image.copy()
    second = wait_output(qtbot, vm, vm.next_seed)
    assert vm.seed == 1 and not np.array_equal(first, second)
    assert np.array_equal(wait_output(qtbot, vm, vm.previous_seed), first)  # same seed, same picture
    other_class = wait_output(qtbot, vm, lambda: vm.set_class(2))
    assert not np.array_equal(other_class, first)
    with pytest.raises(ValueError, match="out of range"):
        vm.set_class(3)


def test_mixing_toggle_and_crossover_change_exactly_the_expected_ws(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    ws_a = vm.output.ws.copy()
    vm.set_mixing_seed(0, 9)
    wait_output(qtbot, vm, lambda: vm.cycle_layer_source(2))
    assert vm.layer_sources == [0, 0, 1, 0, 0, 0, 0, 0]
    changed = np.flatnonzero(np.any(vm.output.ws != ws_a, axis=1)).tolist()
    assert changed == [2]
    wait_output(qtbot, vm, lambda: vm.set_crossover(4))
    changed = np.flatnonzero(np.any(vm.output.ws != ws_a, axis=1)).tolist()
    assert changed == [4, 5, 6, 7]


def test_pad_cursor_blends_corners_and_release_is_full_resolution(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    corner = wait_output(qtbot, vm, lambda: vm.set_cursor(0.0, 0.0))
    assert corner.shape == (32, 32, 3)
    preview = wait_output(qtbot, vm, lambda: vm.set_cursor(0.5, 0.5, preview=True))
    assert vm.output.preview and preview.shape == (16, 16, 3)
    full = wait_output(qtbot, vm, lambda: vm.set_cursor(0.5, 0.5))
    assert not vm.output.preview and full.shape == (32, 32, 3)
    assert not np.array_equal(full, corner)
    # moving an anchor off its corner switches to inverse-distance weights
    vm.move_anchor(3, 0.6, 0.6)
    blend = vm.pad_blend()
    assert len(blend) == 4 and max(w for _, w in blend) == blend[3][1]


def test_files_favourites_and_project_round_trip(qtbot, vm: LatentViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wait_output(qtbot, vm, lambda: vm.set_seed(42))
    wait_output(qtbot, vm, lambda: vm.set_psi(0.5))
    vm.export_image(str(tmp_path / "out.png"))
    settings = read_image_settings(tmp_path / "out.png")
    assert settings["seed"] == 42 and settings["psi"] == 0.5 and settings["noise"]["mode"] == "const"
    assert "layer_sources" in settings["mixing"]

    vm.export_latent(str(tmp_path / "w.npz"))
    w = read_latent_npz(tmp_path / "w.npz", 8, 32)
    np.testing.assert_array_equal(w[0], vm.output.ws)
    shown = vm.output.image.copy()
    wait_output(qtbot, vm, lambda: vm.set_seed(3))
    imported = wait_output(qtbot, vm, lambda: vm.import_latent(str(tmp_path / "w.npz")))
    assert vm.base == "saved" and np.array_equal(imported, shown)

    write_latent_npz(tmp_path / "wrong.npz", np.zeros((1, 14, 512), np.float32))
    with pytest.raises(DocumentError, match=r"shape \[1, 14, 512\].*needs \[1, 8, 32\]"):
        vm.import_latent(str(tmp_path / "wrong.npz"))

    fav = vm.add_favourite()
    assert fav.thumbnail.shape == (32, 32, 3) and vm.favourites == [fav]
    entries, arrays = vm.favourites_state()
    save_project(tmp_path / "p.gstudio", Project(latent_favourites=entries, latents=arrays))
    project = load_project(tmp_path / "p.gstudio")
    other = LatentViewModel()
    assert other.restore_favourites(project.latent_favourites, project.latents) == []
    np.testing.assert_array_equal(other.favourites[0].ws, fav.ws)
    np.testing.assert_array_equal(other.favourites[0].thumbnail, fav.thumbnail)

    wait_output(qtbot, vm, lambda: vm.set_seed(5))
    again = wait_output(qtbot, vm, lambda: vm.apply_favourite(0))
    assert np.array_equal(again, shown)


def test_gif_export_reports_progress_and_can_be_cancelled(qtbot, vm: LatentViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    progress = []
    vm.animationProgress.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(vm.animationFinished, timeout=TIMEOUT) as finished:
        vm.export_gif(str(tmp_path / "walk.gif"), frames_per_segment=2)
    assert finished.args == [str(tmp_path / "walk.gif")]
    assert progress[-1] == (8, 8) and (tmp_path / "walk.gif").exists()

    vm.animationProgress.connect(lambda done, total: vm.cancel_animation() if done == 1 else None)
    with qtbot.waitSignal(vm.animationCancelled, timeout=TIMEOUT):
        vm.export_gif(str(tmp_path / "never.gif"), frames_per_segment=20)
    assert not (tmp_path / "never.gif").exists() and vm.animation_job is None


def test_the_seed_is_not_claimed_for_imported_pad_or_favourite_latents(qtbot, vm: LatentViewModel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wait_output(qtbot, vm, lambda: vm.set_seed(7))
    assert vm.shown_seed == 7 and vm.describe()["seed"] == 7
    vm.export_latent(str(tmp_path / "w.npz"))
    wait_output(qtbot, vm, lambda: vm.import_latent(str(tmp_path / "w.npz")))
    assert vm.shown_seed is None and vm.base_label() == "imported" and "w.npz" in vm.base_description()
    assert vm.output.settings["seed"] is None  # nor do exports of the picture
    wait_output(qtbot, vm, vm.next_seed)  # steps on from the last seed shown
    assert vm.shown_seed == 8 and vm.base == "seed"

    wait_output(qtbot, vm, lambda: vm.set_cursor(0.3, 0.6))
    assert vm.shown_seed is None and vm.base_label() == "pad"
    vm.add_favourite("walk")
    wait_output(qtbot, vm, vm.previous_seed)
    assert vm.shown_seed == 7
    wait_output(qtbot, vm, lambda: vm.apply_favourite(0))  # a pad favourite comes back as its ws
    assert vm.shown_seed is None and vm.base_label() == "favourite" and "walk" in vm.base_description()
    wait_output(qtbot, vm, lambda: vm.set_seed(7))
    assert vm.shown_seed == 7 and vm.base_label() == "seed 7"


def test_all_layers_noise_sets_the_factors_that_are_applied(qtbot, vm: LatentViewModel) -> None:  # type: ignore[no-untyped-def]
    layers = len(vm.noise_scales)
    wait_output(qtbot, vm, lambda: vm.set_noise_global(2.0))
    assert vm.noise_scales == [2.0] * layers and vm.noise_global == 2.0
    applied = vm.current_render().noise.layer_scales(layers)
    assert applied == vm.noise_scales  # no second factor hides between the readouts and the render
    doubled = vm.output.image.copy()
    wait_output(qtbot, vm, lambda: vm.set_noise_scale(3, 0.5))
    assert vm.noise_global is None  # the layers differ: no single "all layers" value
    assert vm.current_render().noise.layer_scales(layers) == [2.0, 2.0, 2.0, 0.5, 2.0, 2.0, 2.0]
    wait_output(qtbot, vm, lambda: vm.set_noise_global(2.0))
    np.testing.assert_array_equal(vm.output.image, doubled)

    # settings saved with a separate global factor come back folded into the layers (what was applied)
    wait_output(qtbot, vm, lambda: vm.set_noise_global(1.0))
    vm.add_favourite("old")
    vm.favourites[0].settings["noise"] = {"mode": "const", "seed": 0, "scales": [1.0] * layers, "global": 2.0}
    again = wait_output(qtbot, vm, lambda: vm.apply_favourite(0))
    assert vm.noise_scales == [2.0] * layers
    np.testing.assert_array_equal(again, doubled)


def test_crossover_reads_hand_made_toggles(vm: LatentViewModel) -> None:
    assert vm.crossover() == (8, 0)  # all A
    vm.cycle_layer_source(7)
    vm.cycle_layer_source(6)
    assert vm.crossover() == (6, 1)
    vm.cycle_layer_source(2)
    assert vm.crossover() is None
    vm.set_mixing_seed(1, 5)  # a source C
    vm.set_crossover(4, fine_source=2)
    assert vm.layer_sources == [0, 0, 0, 0, 2, 2, 2, 2] and vm.crossover() == (4, 2)


def test_removing_a_mixing_source_that_is_already_gone_changes_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A second click on a removed row's button (issue 22: 'list assignment index out of range')."""
    from ganstudio.app.inference import InferenceController
    from ganstudio.app.latent_viewmodel import LatentViewModel

    vm = LatentViewModel(InferenceController(lambda: None))
    vm.mixing.clear()
    vm.remove_mixing_source(0)
    vm.remove_mixing_source(-1)
    assert vm.mixing == []
