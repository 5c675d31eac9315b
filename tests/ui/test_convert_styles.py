"""The Convert workspace with a multimodal model, driven like a user: variants, style from an image, mixing, saving, folders."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

from ganstudio.app.converter_viewmodel import ConverterViewModel
from ganstudio.app.inference import InferenceController
from ganstudio.document.image_io import read_image_settings
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.convert.workspace import ConverterWorkspace
from styled_models import bicyclegan_model, reference_pair, styled_model
from translation_models import smooth_image

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return styled_model(tmp_path_factory.mktemp("models"))


@pytest.fixture
def workspace(qtbot, dialogs, model):  # type: ignore[no-untyped-def]
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = ConverterViewModel(controller)
    ws = ConverterWorkspace(vm, dialogs)
    qtbot.addWidget(ws)
    ws.resize(1000, 760)
    ws.show()
    qtbot.waitExposed(ws)
    _load(qtbot, ws, dialogs, model)
    yield ws
    controller.shutdown()


def _load(qtbot, ws: ConverterWorkspace, dialogs, path: Path) -> None:  # type: ignore[no-untyped-def]
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignal(ws.vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_model_button, Qt.MouseButton.LeftButton)


def _open_image(qtbot, ws: ConverterWorkspace, dialogs, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Open an image and wait for both its conversion and its strip of variants."""
    dialogs.open_answers.append(str(path))
    with qtbot.waitSignals([ws.vm.outputReady, ws.vm.variantsChanged], timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.open_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ws.vm.variants is not None, timeout=TIMEOUT_MS)


def _save_png(tmp_path: Path, name: str, pixels: np.ndarray) -> Path:
    path = tmp_path / name
    Image.fromarray(pixels).save(path)
    return path


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(int) - b.astype(int)).mean())


def test_variants_differ_and_a_click_makes_one_the_output(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    assert ws.styles.isVisible() and ws.folder_style_combo.isVisible()
    content, _reference = reference_pair()
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "content.png", content))
    variants = vm.variants
    assert variants is not None and len(variants) == vm.variant_count == len(ws.styles.thumbs)
    pairwise = [_diff(variants[i], variants[j]) for i in range(len(variants)) for j in range(i + 1, len(variants))]
    # no two thumbnails alike, and on average they differ clearly (two random styles can be near each other)
    assert min(pairwise) > 0.25 and float(np.mean(pairwise)) > 2.0, pairwise
    assert all(button.isEnabled() and not button.icon().isNull() for button in ws.styles.thumbs)
    assert ws.styles.thumbs[0].isChecked()  # the output starts in the strip's first style
    first = vm.output.copy()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.styles.thumbs[3], Qt.MouseButton.LeftButton)
    assert vm.style_seed == vm.variant_seed + 3 and ws.styles.thumbs[3].isChecked() and not ws.styles.thumbs[0].isChecked()
    assert _diff(vm.output, first) > 1.0
    assert vm.output.shape == content.shape  # the chosen style converts at full size
    np.testing.assert_allclose(vm.output_info["style"], vm.variant_styles[3], atol=1e-6)
    assert "style 3" in ws.info_label.text()
    # re-roll: the next styles; the output keeps the chosen one
    old_styles = vm.variant_styles.copy()
    kept = vm.output.copy()
    with qtbot.waitSignal(vm.variantsChanged, timeout=TIMEOUT_MS, check_params_cb=lambda: vm.variants is not None):
        qtbot.mouseClick(ws.styles.reroll_button, Qt.MouseButton.LeftButton)
    assert vm.variant_seed == vm.variant_count
    assert np.abs(vm.variant_styles - old_styles).max() > 0.1
    assert not any(button.isChecked() for button in ws.styles.thumbs)  # style 3 is not on this strip
    np.testing.assert_array_equal(vm.output, kept)


def test_style_from_image_moves_the_colours_toward_the_reference(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    assert ws.styles.from_image_button.isEnabled()
    content, reference = reference_pair()
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "content.png", content))
    target = _colour_stats(reference)
    before = [np.linalg.norm(_colour_stats(v) - target) for v in vm.variants]
    random_output = np.linalg.norm(_colour_stats(vm.output) - target)
    dialogs.open_answers.append(str(_save_png(tmp_path, "reference.png", reference)))
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.styles.from_image_button, Qt.MouseButton.LeftButton)
    after = np.linalg.norm(_colour_stats(vm.output) - target)
    assert vm.style_label == "from reference.png" and ws.styles.status.text() == "Style: from reference.png"
    assert not any(button.isChecked() for button in ws.styles.thumbs)
    # closer to the reference's colour statistics than the random style was, and than the strip's average
    assert after < random_output and after < float(np.mean(before)), (after, random_output, before)


def _colour_stats(image: np.ndarray) -> np.ndarray:
    """Per-channel mean and standard deviation, in 8-bit levels."""
    pixels = image[..., :3].reshape(-1, 3).astype(np.float64)
    return np.concatenate([pixels.mean(axis=0), pixels.std(axis=0)])


def test_the_slider_mixes_two_kept_styles(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm, panel = workspace, workspace.vm, workspace.styles
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "content.png", smooth_image(300, 400)))  # larger than the drag preview
    assert not panel.mix_slider.isEnabled()
    style_a = vm.output.copy()
    qtbot.mouseClick(panel.slot_buttons["A"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(panel.thumbs[4], Qt.MouseButton.LeftButton)
    style_b = vm.output.copy()
    qtbot.mouseClick(panel.slot_buttons["B"], Qt.MouseButton.LeftButton)
    assert panel.mix_slider.isEnabled() and panel.mix_slider.value() == panel.mix_slider.maximum()
    # dragging: previews, the newest wins; releasing: the full size
    panel.mix_slider.setSliderDown(True)
    for value in (900, 700, 500):
        panel.mix_slider.setValue(value)
    revision = vm.revision
    qtbot.waitUntil(lambda: vm.output_revision == revision, timeout=TIMEOUT_MS)
    assert vm.output_info.get("preview") and "(preview)" in ws.info_label.text()
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        panel.mix_slider.setSliderDown(False)
    assert not vm.output_info.get("preview") and vm.style_label == "A–B mix 50 %"
    middle = vm.output.copy()
    assert _diff(middle, style_a) > 0.5 and _diff(middle, style_b) > 0.5
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        panel.mix_slider.setValue(0)
    assert _diff(vm.output, style_a) < 0.01  # one end is style A again


def test_the_chosen_style_is_saved_and_reused_for_folder_runs(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "content.png", smooth_image(40, 48)))
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.styles.thumbs[2], Qt.MouseButton.LeftButton)
    saved = tmp_path / "saved.png"
    dialogs.save_answers.append(str(saved))
    qtbot.mouseClick(ws.save_button, Qt.MouseButton.LeftButton)
    settings = read_image_settings(saved)
    assert settings["style_seed"] == 2 and settings["style_source"] == "style 2"
    np.testing.assert_allclose(settings["style"], vm.variant_styles[2], atol=1e-5)

    source = tmp_path / "in"
    source.mkdir()
    for i in range(3):
        _save_png(source, f"p{i}.png", smooth_image(40, 48, seed=i))
    panel = ws.folder
    panel.input_edit.setText(str(source))

    def run(folder: str) -> list[str]:
        panel.output_edit.setText(str(tmp_path / folder))
        with qtbot.waitSignal(vm.batch.finished, timeout=TIMEOUT_MS) as done:
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
        return sorted(done.args[0]["written"])

    # one style for every image: the same files twice give identical bytes
    assert ws.folder_style_combo.currentData() == "same"
    first, second = run("one"), run("two")
    assert len(first) == 3
    assert [Path(p).read_bytes() for p in first] == [Path(p).read_bytes() for p in second]
    assert {read_image_settings(p)["style_seed"] for p in first} == {2}
    # a random style per image: style numbers 2, 3, 4, written into each file
    ws.folder_style_combo.setCurrentIndex(ws.folder_style_combo.findData("per_image"))
    each = run("each")
    assert [read_image_settings(p)["style_seed"] for p in each] == [2, 3, 4]
    assert _diff(np.asarray(Image.open(each[1])), np.asarray(Image.open(first[1]))) > 0.5


def test_a_model_without_styles_hides_the_style_row(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from translation_models import save_pix2pix

    ws = workspace
    assert ws.styles.isVisible()
    _load(qtbot, ws, dialogs, save_pix2pix(tmp_path / "p.safetensors"))
    assert not ws.styles.isVisible() and not ws.folder_style_combo.isVisible()
    assert ws.vm.options().style is None


def test_nothing_is_clipped_with_the_style_row(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from layout_checks import clipped_widgets, shown_without_scrolling

    ws = workspace
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "content.png", smooth_image(64, 64)))
    for size in ((760, 560), (1400, 880)):
        ws.resize(*size)
        qtbot.waitUntil(lambda size=size: (ws.width(), ws.height()) == size)
        assert clipped_widgets(ws) == [], size
        for widget in (*ws.styles.thumbs, ws.styles.reroll_button, ws.styles.from_image_button, ws.styles.mix_slider,
                       *ws.styles.slot_buttons.values(), ws.folder_style_combo, ws.folder.start_button):
            assert shown_without_scrolling(widget), (size, widget.toolTip() or type(widget).__name__)
        assert ws.compare.height() >= 200 and ws.compare.width() >= 400, size


def test_bicyclegan_variants_and_no_encoder_disables_style_from_image(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws, vm = workspace, workspace.vm
    _load(qtbot, ws, dialogs, bicyclegan_model(tmp_path, encoder=True))
    assert ws.styles.isVisible() and ws.styles.from_image_button.isEnabled()
    assert not ws.direction_combo.isEnabled()  # one way only
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "labels.png", smooth_image(70, 90)))
    pairwise = [_diff(vm.variants[i], vm.variants[j]) for i in range(len(vm.variants)) for j in range(i + 1, len(vm.variants))]
    assert min(pairwise) > 0.25, pairwise
    assert vm.output.shape == (70, 90, 3)  # padded to the U-Net's 64 px multiple inside, cropped back
    dialogs.open_answers.append(str(_save_png(tmp_path, "photo.png", smooth_image(64, 64, seed=9))))
    with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
        qtbot.mouseClick(ws.styles.from_image_button, Qt.MouseButton.LeftButton)
    assert vm.style_code is not None and len(vm.style_code) == 8
    # the same generator without its encoder part: styles, but none from an image
    _load(qtbot, ws, dialogs, bicyclegan_model(tmp_path, encoder=False))
    assert ws.styles.isVisible() and not ws.styles.from_image_button.isEnabled()
    assert "no style encoder" in ws.styles.from_image_button.toolTip()
    assert vm.style_code is None and not vm.can_mix  # a new model starts its styles over


BUNDLED_MUNIT = Path(__file__).resolve().parents[2] / "resources" / "models" / "summer2winter-munit.safetensors"


def test_the_bundled_munit_takes_a_winter_photos_colours(qtbot, workspace: ConverterWorkspace, dialogs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The shipped summer -> winter MUNIT on a held-out synthetic summer photo (data seeds 9101-9103, unlike
    its training data's): its variants differ, and a winter dusk or night photo's encoded style brings the
    output's colour statistics much closer to that photo than random styles do."""
    from trainer.synthetic.landscapes import render

    ws, vm = workspace, workspace.vm
    _load(qtbot, ws, dialogs, BUNDLED_MUNIT)
    assert vm.can_style_from_image and ws.direction_combo.currentText() == "summer → winter"
    _, summer = render(9101, 9101, 128, "summer", "day")
    _open_image(qtbot, ws, dialogs, _save_png(tmp_path, "summer.png", summer))
    variants = vm.variants
    pairwise = [_diff(variants[i], variants[j]) for i in range(len(variants)) for j in range(i + 1, len(variants))]
    assert min(pairwise) > 2.0 and float(np.mean(pairwise)) > 10.0, pairwise
    for index, time in ((1, "dusk"), (2, "night")):
        _, winter = render(9101 + index, 9201 + index, 128, "winter", time)
        target = _colour_stats(winter)
        random_styles = float(np.mean([np.linalg.norm(_colour_stats(v) - target) for v in variants]))
        dialogs.open_answers.append(str(_save_png(tmp_path, f"winter-{time}.png", winter)))
        with qtbot.waitSignal(vm.outputReady, timeout=TIMEOUT_MS):
            qtbot.mouseClick(ws.styles.from_image_button, Qt.MouseButton.LeftButton)
        assert vm.style_label == f"from winter-{time}.png"
        encoded = float(np.linalg.norm(_colour_stats(vm.output) - target))
        assert encoded < 0.75 * random_styles, (time, encoded, random_styles)
