"""A "Samples" button whose menu opens one of the sample images shipped with GAN Studio."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from ganstudio.app.samples import KIND_TITLES, sample_files


def samples_button(kinds: str | Sequence[str], open_sample: Callable[[str], Any], parent: QWidget | None = None) -> QToolButton:
    """A button listing the samples of `kinds` (KIND_TITLES keys; a titled section each when
    there are several); choosing one calls open_sample(path)."""
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    button = QToolButton(parent)
    button.setText("Samples")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    count = 0
    for kind in kinds:
        files = sample_files(kind)
        if files and len(kinds) > 1:
            menu.addSection(KIND_TITLES.get(kind, kind))
        for path in files:
            action = menu.addAction(path.stem)
            action.setData(str(path))
            action.triggered.connect(lambda _checked=False, p=str(path): open_sample(p))
        count += len(files)
    button.setMenu(menu)
    button.setEnabled(bool(count))
    what = " and ".join(KIND_TITLES.get(k, k).lower() for k in kinds)
    button.setToolTip(f"Open one of the sample {what} that come with GAN Studio" if count else "No samples were installed")
    return button
