"""The Describe workspace driven like a user: open a text-to-image model, type a sentence, get pictures; unknown
words get a note; the blend slider moves between two sentences; the export carries the prompt and latent."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt

from ganstudio.app.describe_viewmodel import DescribeViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.checkpoints import save_model
from ganstudio.document.image_io import read_image_settings
from ganstudio.engine.runner import JobRunner
from ganstudio.models.gan_int_cls import TextToImageGenerator
from ganstudio.ui.describe.workspace import DescribeWorkspace

TIMEOUT_MS = 20_000
WORDS = ["a", "at", "dusk", "lake", "landscape", "left", "mountains", "night", "on", "snowy", "the", "with", "winter"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.manual_seed(0)
    net = TextToImageGenerator(vocabulary=WORDS, word_dim=8, text_channels=8, text_dim=8, max_words=16, z_dim=8, proj_dim=8, ngf=4,
                               resolution=32)
    for p in net.parameters():  # random weights strong enough that every word moves the picture
        p.data.normal_(0, 0.5)
    return save_model(net.eval(), tmp_path_factory.mktemp("models") / "tiny-describe.safetensors", resolution=32)


@pytest.fixture
def workspace(qtbot, dialogs, model_path):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = DescribeViewModel(controller)
    ws = DescribeWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(900, 700)
    ws.show()
    qtbot.waitExposed(ws)
    dialogs.open_answers.append(str(model_path))
    with qtbot.waitSignal(vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)
    yield ws
    controller.shutdown()


def _type(qtbot, ws: DescribeWorkspace, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type `text` key by key and wait for the pictures of the whole sentence (latest wins on the way)."""
    def final() -> bool:
        out = ws.vm.output
        return out is not None and out.settings["prompt"] == text

    ws.prompt_edit.setFocus()
    qtbot.keyClicks(ws.prompt_edit, text)
    qtbot.waitUntil(final, timeout=TIMEOUT_MS)


def test_a_typed_sentence_becomes_a_grid_of_pictures(qtbot, workspace: DescribeWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    assert "13 known words" in ws.model_label.text()
    _type(qtbot, ws, "a snowy landscape with a lake")
    out = ws.vm.output
    assert out.images.shape == (4, 32, 32, 3) and out.images.dtype == np.uint8
    assert len(ws.grid.images) == 4 and ws.export_button.isEnabled()
    assert not np.array_equal(out.images[0], out.images[1])  # seeds 0..3 differ
    assert ws.note_label.text() == ""
    first = out.images.copy()
    with qtbot.waitSignal(ws.vm.outputChanged, timeout=TIMEOUT_MS):
        ws.prompt_edit.setText("a landscape at night")
    assert not np.array_equal(first[0], ws.vm.output.images[0])  # the words matter
    with qtbot.waitSignal(ws.vm.outputChanged, timeout=TIMEOUT_MS):
        ws.count_spin.setValue(2)
    assert ws.vm.output.images.shape[0] == 2 and len(ws.grid.images) == 2


def test_unknown_words_get_a_note_not_an_error(qtbot, workspace: DescribeWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    _type(qtbot, ws, "a winter lake with a zeppelin")
    assert "zeppelin" in ws.note_label.text() and "does not know" in ws.note_label.text()
    assert ws.vm.output.unknown == ["zeppelin"]
    with qtbot.waitSignal(ws.vm.outputChanged, timeout=TIMEOUT_MS):
        ws.prompt_edit.setText("blorp quux")
    assert "No word of the sentence is known" in ws.note_label.text()
    assert ws.vm.output.images.shape[0] == 4


def test_completions_come_from_history_and_vocabulary(qtbot, workspace: DescribeWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    _type(qtbot, ws, "a snowy lake")
    qtbot.keyClick(ws.prompt_edit, Qt.Key.Key_Return)
    assert ws.vm.history[0] == "a snowy lake"
    ws.prompt_edit.clear()
    qtbot.keyClicks(ws.prompt_edit, "a snowy lake at d")
    assert "a snowy lake at dusk" in ws.completion_model.stringList()
    ws.prompt_edit.clear()
    qtbot.keyClicks(ws.prompt_edit, "a sn")
    listed = ws.completion_model.stringList()
    assert listed[0] == "a snowy lake" and "a snowy" in listed


def test_blend_slider_interpolates_between_two_sentences(qtbot, workspace: DescribeWorkspace) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    ws.count_spin.setValue(1)
    _type(qtbot, ws, "a snowy winter landscape")
    start = ws.vm.output.images[0].astype(int)
    ws.other_edit.setText("a lake at night")
    pictures = []
    for value in (50, 100):
        with qtbot.waitSignal(ws.vm.outputChanged, timeout=TIMEOUT_MS):
            ws.mix_slider.setValue(value)
        pictures.append(ws.vm.output.images[0].astype(int))
    assert ws.mix_label.text() == "100 %"
    ws.mix_slider.setValue(0)
    ws.other_edit.clear()
    ws.prompt_edit.setText("a lake at night")
    # renders for the slider and the cleared field may still arrive first: wait for the last one
    qtbot.waitUntil(lambda: np.abs(pictures[1] - ws.vm.output.images[0].astype(int)).max() <= 1, timeout=TIMEOUT_MS)
    end = ws.vm.output.images[0].astype(int)  # mix 1 was the second sentence's picture
    half = pictures[0]
    assert 0 < np.abs(half - start).mean() and 0 < np.abs(half - end).mean()


def test_export_writes_prompt_seed_and_latent_in_png_text(qtbot, workspace: DescribeWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = workspace
    ws.seed_spin.setValue(7)
    _type(qtbot, ws, "mountains on the left")
    ws.grid.selected = 1
    target = tmp_path / "out.png"
    dialogs.save_answers.append(str(target))
    qtbot.mouseClick(ws.export_button, Qt.MouseButton.LeftButton)
    settings = read_image_settings(target)
    assert settings["prompt"] == "mountains on the left" and settings["seed"] == 8
    assert np.allclose(settings["latent"], np.random.RandomState(8).randn(8), atol=1e-6)
    assert settings["model"] == "tiny-describe.safetensors"


def test_the_window_opens_a_text_model_in_describe_and_exports_from_it(qtbot, make_window, dialogs, model_path: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert window.workspaces.tabText(window.workspaces.indexOf(window.describe)) == "Describe"
    with qtbot.waitSignal(window.describe_vm.modelChanged, timeout=TIMEOUT_MS):
        assert window.load_model(str(model_path)) == "describe"
    assert window.workspaces.currentWidget() is window.describe
    assert window.current_workspace.name == "describe" and window.current_workspace.model_path() == str(model_path)
    ws = window.describe
    _type(qtbot, ws, "a lake at dusk")
    target = tmp_path / "from-menu.png"
    dialogs.save_answers.append(str(target))
    window.act_export.trigger()
    assert read_image_settings(target)["prompt"] == "a lake at dusk"


BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "models" / "landscape-gan-int-cls.safetensors"


@pytest.mark.skipif(not BUNDLED.is_file(), reason="the bundled text-to-image model is not there")
def test_the_bundled_model_starts_describe_and_draws_a_typed_sentence(qtbot, make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    folder = tmp_path / "bundled"
    folder.mkdir()
    shutil.copy(BUNDLED, folder / BUNDLED.name)
    window = make_window(bundled_model_folder=str(folder))
    with qtbot.waitSignal(window.describe_vm.modelChanged, timeout=TIMEOUT_MS):
        window.start()
    ws = window.describe
    assert ws.vm.model.path.endswith(BUNDLED.name) and len(ws.vm.vocabulary) > 50
    window.workspaces.setCurrentWidget(ws)
    _type(qtbot, ws, "a winter landscape at night with a lake on the left")
    out = ws.vm.output
    assert out.images.shape == (4, 64, 64, 3) and ws.note_label.text() == ""
    night = out.images.astype(float).mean()
    with qtbot.waitSignal(ws.vm.outputChanged, timeout=TIMEOUT_MS):
        ws.prompt_edit.setText("a summer landscape during the day with a lake on the left")
    assert ws.vm.output.images.astype(float).mean() > night + 20  # daylight is brighter than night
