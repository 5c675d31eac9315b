"""Model > Precision and the status bar's precision label, driven through a real worker with the measured policy."""
from __future__ import annotations

from pathlib import Path

import torch

from ganstudio.app.inference import InferenceController
from ganstudio.checkpoints import save_model
from ganstudio.engine.precision import PrecisionPolicy
from ganstudio.engine.runner import JobRunner
from ganstudio.models.stargan import Generator as StarGAN
from ganstudio.ui.precision_menu import PrecisionControl


def test_the_label_shows_the_measured_choice_and_the_menu_overrides_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = tmp_path / "tiny.safetensors"
    save_model(StarGAN(conv_dim=8, c_dim=3, repeat_num=1), model, attributes=["a", "b", "c"], resolution=32)
    cache = tmp_path / "cache"
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1, policy=PrecisionPolicy(cache_dir=cache)))
    try:
        current = {"path": ""}
        control = PrecisionControl(controller, lambda: current["path"])
        assert not control.actions["bf16"].isEnabled()  # nothing on screen to switch
        current["path"] = str(model)
        with qtbot.waitSignal(controller.modelLoaded, timeout=60_000):
            controller.load_model(model)
        assert "measured" in control.label.text() and "faster" in control.label.text()
        assert control.actions["auto"].isChecked() and control.actions["fp32"].isEnabled()
        with qtbot.waitSignal(controller.modelLoaded, timeout=60_000) as loaded:
            control.actions["fp32"].trigger()
        assert loaded.args[0]["precision"] == "fp32"
        assert control.label.text() == "Precision: fp32 (chosen by you)"
        assert control.actions["fp32"].isChecked()
        with qtbot.waitSignal(controller.modelLoaded, timeout=60_000) as loaded:
            control.choose("auto")
        assert loaded.args[0]["precision_source"] == "cached"  # measured once: the file did not change
    finally:
        controller.shutdown()
