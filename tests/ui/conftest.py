"""Fixtures for driving the real main window: temporary settings, recovery folder, tiny models, no blocking dialogs."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from ganstudio.app.inference import InferenceController
from ganstudio.document.autosave import RecoveryStore
from ganstudio.document.palette import default_palette
from ganstudio.engine.runner import JobRunner


class RecordingDialogs:
    """Answers every question from a script and records every message; never opens a window."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []
        self.open_answers: list[str] = []
        self.save_answers: list[str] = []
        self.unsaved_answer = "discard"
        self.recover_answer = True
        self.folder_answers: list[str] = []
        self.choose_answers: list[int | None] = []  # None: cancelled; nothing scripted: the offered default
        self.choices: list[tuple[str, list[str], int]] = []  # (title, options, default) of every choice asked

    def open_file(self, title: str, file_filter: str) -> str:
        return self.open_answers.pop(0) if self.open_answers else ""

    def open_files(self, title: str, file_filter: str) -> list[str]:
        """One scripted answer (a path, or several joined by os.pathsep), as a list."""
        answer = self.open_answers.pop(0) if self.open_answers else ""
        return [p for p in answer.split(os.pathsep) if p]

    def save_file(self, title: str, file_filter: str, suggested: str = "") -> str:
        return self.save_answers.pop(0) if self.save_answers else ""

    def open_folder(self, title: str) -> str:
        return self.folder_answers.pop(0) if self.folder_answers else ""

    def choose(self, title: str, text: str, options: list[str], current: int = 0) -> int | None:
        self.choices.append((title, list(options), current))
        return self.choose_answers.pop(0) if self.choose_answers else current

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))

    def ask_unsaved(self, document: str) -> str:
        return self.unsaved_answer

    def ask_recover(self, description: str) -> bool:
        return self.recover_answer


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    return QSettings(str(tmp_path / "settings" / "ganstudio.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs() -> RecordingDialogs:
    return RecordingDialogs()


@pytest.fixture
def recovery_dir(tmp_path: Path) -> Path:
    return tmp_path / "recovery"


@pytest.fixture(scope="session")
def spade_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight SPADE model with the default landscape classes."""
    import torch

    from ganstudio.checkpoints import save_model
    from ganstudio.models.spade import SPADEGenerator

    torch.manual_seed(0)
    palette = default_palette()
    gen = SPADEGenerator(label_nc=len(palette), ngf=4, crop_size=64, param_free_norm_type="batch")
    path = tmp_path_factory.mktemp("models") / "tiny-spade.safetensors"
    save_model(gen, path, labels=palette.to_json(), resolution=64)
    return path


@pytest.fixture(scope="session")
def stylegan_like_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A valid model file of an architecture no workspace opens (StarGAN, pix2pix and CycleGAN have their own tabs)."""
    from ganstudio.checkpoints import save_model
    from ganstudio.models.patchgan import NLayerDiscriminator

    path = tmp_path_factory.mktemp("models") / "patchgan.safetensors"
    save_model(NLayerDiscriminator(ndf=4, n_layers=1), path)
    return path


@pytest.fixture
def make_window(qtbot, settings, dialogs, recovery_dir, tmp_path):  # type: ignore[no-untyped-def]
    from ganstudio.ui.main_window import MainWindow

    windows: list[Any] = []

    def make(**kwargs: Any) -> Any:
        controller = InferenceController(lambda: JobRunner(device="cpu", threads=1))
        folders = {"user_model_folder": str(tmp_path / "user-models"), "bundled_model_folder": str(tmp_path / "no-bundled")}
        window = MainWindow(controller=controller, settings=settings, dialogs=dialogs, recovery=RecoveryStore(recovery_dir), **{**folders, **kwargs})
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        window.activateWindow()
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # shortcuts need an active window
        windows.append(window)
        return window

    yield make
    for window in windows:
        dialogs.unsaved_answer = "discard"
        window.close()
        window.controller.shutdown()
