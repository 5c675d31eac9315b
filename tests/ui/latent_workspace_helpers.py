"""A Latent workspace opened on a model through its own Open button, as the Latent UI tests start."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from ganstudio.app.inference import InferenceController
from ganstudio.app.latent_viewmodel import LatentViewModel
from ganstudio.engine.runner import JobRunner
from ganstudio.ui.latent.workspace import LatentWorkspace


def open_latent_workspace(qtbot: Any, dialogs: Any, model_path: Path, timeout: int) -> tuple[LatentWorkspace, InferenceController]:
    """The workspace shown at 1100x700 with `model_path` loaded and its first full render done; shut the controller down after."""
    controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
    vm = LatentViewModel(controller)
    widget = LatentWorkspace(vm, dialogs)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    dialogs.open_answers.append(str(model_path))
    qtbot.mouseClick(widget.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: vm.output is not None and not vm.output.preview, timeout=timeout)
    return widget, controller


def settle(qtbot: Any, vm: LatentViewModel, timeout: int) -> None:
    """Wait for the output of the newest request."""
    wanted = vm.revision
    qtbot.waitUntil(lambda: vm.output is not None and vm.output.revision == wanted, timeout=timeout)
