"""A "Samples" button whose menu opens one of the sample photos shipped with GAN Studio."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from ganstudio.app.samples import sample_files


def samples_button(kind: str, open_sample: Callable[[str], Any], parent: QWidget | None = None) -> QToolButton:
    """A button listing the samples of `kind` ("faces" or "landscapes"); choosing one calls open_sample(path)."""
    button = QToolButton(parent)
    button.setText("Samples")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    files = sample_files(kind)
    for path in files:
        action = menu.addAction(path.stem)
        action.setData(str(path))
        action.triggered.connect(lambda _checked=False, p=str(path): open_sample(p))
    button.setMenu(menu)
    button.setEnabled(bool(files))
    button.setToolTip(f"Open one of the sample {kind} that come with GAN Studio" if files else "No samples were installed")
    return button
