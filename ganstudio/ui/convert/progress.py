"""Progress of a folder run: bar, current file, ETA, cancel, and the files that were skipped."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ganstudio.app.batch_run import BatchRun

BAR_STEPS = 1000


class BatchProgressPanel(QWidget):
    def __init__(self, run: BatchRun, parent: QWidget | None = None, leading: QWidget | None = None) -> None:
        """`leading` (e.g. the start button) goes first on the bar's row."""
        super().__init__(parent)
        self.run = run
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)  # "0%" before any run reads as a run that is stuck
        self.status = QLabel("No folder run yet.")
        self.status.setWordWrap(True)
        self.eta = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.skipped = QListWidget()
        self.skipped.setMaximumHeight(90)
        self.skipped.setVisible(False)
        row = QHBoxLayout()
        if leading is not None:
            row.addWidget(leading)
        row.addWidget(self.bar, 1)
        row.addWidget(self.eta)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.skipped)
        self.cancel_button.clicked.connect(self._cancel)
        run.started.connect(self._on_started)
        run.progressChanged.connect(self._on_progress)
        run.finished.connect(self._on_finished)

    def _cancel(self) -> None:
        if self.run.cancel():
            self.status.setText("Cancelling after the current tile...")
            self.cancel_button.setEnabled(False)

    def _on_started(self) -> None:
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.skipped.clear()
        self.skipped.setVisible(False)
        self.cancel_button.setEnabled(True)

    def _on_progress(self, fraction: float, message: str, eta: str) -> None:
        self.bar.setValue(round(fraction * BAR_STEPS))
        self.status.setText(message)
        self.eta.setText(eta)

    def _on_finished(self, summary: dict[str, Any]) -> None:
        self.cancel_button.setEnabled(False)
        self.eta.setText("")
        written, skipped = summary.get("written", []), summary.get("skipped", [])
        if summary.get("error"):
            text = summary["error"]
        elif summary.get("cancelled"):
            text = f"Cancelled: {len(written)} file(s) written completely, the rest left undone."
        else:
            self.bar.setValue(BAR_STEPS)
            text = f"Done: {len(written)} file(s) written."
        converted = summary.get("notes") or {}
        if converted:
            text += f" {len(converted)} input(s) were converted first (grayscale, 16-bit, CMYK...)."
        if skipped:
            text += f" {len(skipped)} skipped (listed below)."
            for path, reason in skipped:
                self.skipped.addItem(f"{Path(path).name}: {reason}")
            self.skipped.setVisible(True)
        self.status.setText(text)
