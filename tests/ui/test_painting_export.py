"""File › Export on Paint: the size asked for (model output, canvas resampled, canvas synthesized) and the picture's full recipe in its PNG."""
from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image

from ganstudio.app.painting_export import LABELS_KEY, ExportSize, painting_settings
from ganstudio.app.painting_viewmodel import PaintingViewModel
from ganstudio.document.image_io import read_image_settings, read_label_map


def load_and_wait(qtbot, window, path: Path) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.synthesis.modelChanged, timeout=20_000):
        window.load_model(str(path))
    qtbot.waitUntil(lambda: window.vm.output is not None and window.vm.output_revision == window.vm.revision, timeout=20_000)


def test_export_offers_three_sizes_and_writes_each_with_its_recipe(qtbot, make_window, spade_model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    load_and_wait(qtbot, window, spade_model_path)
    native = window.vm.output
    canvas = (window.vm.width, window.vm.height)
    written = {}
    for index, key in enumerate(["native", "resampled", "synthesized"]):
        path = tmp_path / f"{key}.png"
        window.dialogs.choose_answers = [index]
        window.dialogs.save_answers = [str(path)]
        with qtbot.waitSignal(window.painting.exporter.exported, timeout=30_000):
            window.act_export.trigger()
        written[key] = np.asarray(Image.open(path).convert("RGB"))
    title, options, _default = window.dialogs.choices[0]
    assert title == "Export output" and len(options) == 3 and "Model output" in options[0]
    assert written["native"].shape[:2] == native.shape[:2] and np.array_equal(written["native"], native)
    assert written["resampled"].shape[1::-1] == canvas and written["synthesized"].shape[1::-1] == canvas
    assert not np.array_equal(written["resampled"], written["synthesized"])  # a new synthesis, not the same pixels resized
    settings = read_image_settings(tmp_path / "synthesized.png")
    assert settings["model_sha256"] == hashlib.sha256(spade_model_path.read_bytes()).hexdigest()
    assert settings["size"]["mode"] == "synthesized" and settings["size"]["latent_scale"] >= 2
    assert settings["seed"] == window.vm.style_seed and settings["arch"] == "spade"
    labels = read_label_map(io.BytesIO(base64.b64decode(settings[LABELS_KEY])), name="label map").labelmap.ids
    assert np.array_equal(labels, window.vm.labels)  # the painting itself travels with the picture
    assert window.settings.value("painting/export_size") == "synthesized"  # offered first next time


def test_a_vae_model_offers_no_synthesized_size() -> None:
    from ganstudio.app.painting_export import export_sizes

    vae = {"arch": "spade", "config": {"label_nc": 12, "use_vae": True}}
    plain = {"arch": "spade", "config": {"label_nc": 12, "use_vae": False}}
    assert [size.key for size in export_sizes(vae, (64, 64, 3), (512, 512))] == ["native", "resampled"]
    assert [size.key for size in export_sizes(plain, (64, 64, 3), (512, 512))] == ["native", "resampled", "synthesized"]
    assert [size.key for size in export_sizes(plain, (512, 512, 3), (512, 512))] == ["native"]  # nothing to choose


def test_sean_settings_name_every_style_source_region_and_blend(qtbot) -> None:  # type: ignore[no-untyped-def]
    vm = PaintingViewModel()
    labels = np.zeros((32, 32), np.uint8)
    image = np.full((32, 32, 3), 90, np.uint8)
    vm.add_style_source("beach", image, labels)
    vm.add_style_source("alps", image + 10, labels)
    vm.set_region_source(vm.palette.index_of("water"), "beach")
    vm.set_blend("alps", 0.25)
    settings = painting_settings(vm, {"path": "", "arch": "sean"}, ExportSize("native", "", 32, 32))
    style = settings["style"]
    assert set(style["sources"]) == {"beach", "alps"} and style["sources"]["beach"]["image_sha256"] != style["sources"]["alps"]["image_sha256"]
    assert style["regions"] == {"water": "beach"} and style["blend"] == {"source": "alps", "amount": 0.25}
