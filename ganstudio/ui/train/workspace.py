"""The Train workspace: task, data (checked), preset and every option; the runs with their curves, samples and controls.

Everything that touches the trainer happens in child processes through
ganstudio.app.train_viewmodel; this module only lays out widgets.
"""
from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QShowEvent
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QScrollArea, QSpinBox, QSplitter, QToolButton, QVBoxLayout, QWidget)

from ganstudio.app.train_run import TrainRun, find_export
from ganstudio.app.train_viewmodel import TrainViewModel

from ..dialogs import Dialogs
from .loss_plot import LossPlot
from .options_view import OptionsView


GPU_REFRESH_S = 5.0


class TrainWorkspace(QWidget):
    title = "Train"
    openModel = Signal(str)  # an exported model to open in its workspace (the window's load_model)

    def __init__(self, vm: TrainViewModel, dialogs: Dialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vm, self.dialogs = vm, dialogs
        self.current: TrainRun | None = None
        self.started = False
        self.preferred_recipe = "pix2pix"  # the task chosen when the recipes arrive (label map -> photo comes first)
        self._gpu_checked = time.monotonic()
        self.last_check: dict[str, Any] = {}
        self._build()
        vm.recipesReady.connect(self._on_recipes)
        vm.optionsReady.connect(self._on_options)
        vm.dataChecked.connect(self._on_checked)
        vm.dataMade.connect(self._on_data_made)
        vm.runAdded.connect(self._on_run_added)
        vm.error.connect(self._show_error)

    # -- layout ------------------------------------------------------------------
    def _build(self) -> None:
        setup = QWidget()
        form = QFormLayout(setup)
        self.recipe = QComboBox()
        self.recipe.currentIndexChanged.connect(self._on_recipe_chosen)
        self.recipe_help = QLabel()
        self.recipe_help.setWordWrap(True)
        form.addRow("Task", self.recipe)
        form.addRow("", self.recipe_help)
        self.data = QLineEdit()
        self.data.setPlaceholderText("a folder of training data")
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._choose_folder(self.data, "Training data"))
        self.check_button = QPushButton("Check")
        self.check_button.clicked.connect(self.check_data)
        self.synthetic_button = QPushButton("Make synthetic data")
        self.synthetic_button.setToolTip("Render a small procedural dataset for this task into the data folder (no download)")
        self.synthetic_button.clicked.connect(self.make_synthetic_data)
        self.synthetic_count = QSpinBox()
        self.synthetic_count.setRange(4, 100_000)
        self.synthetic_count.setValue(200)
        self.synthetic_count.setSuffix(" images")
        self.synthetic_size = QSpinBox()
        self.synthetic_size.setRange(16, 1024)
        self.synthetic_size.setValue(64)
        self.synthetic_size.setSuffix(" px")
        row = QHBoxLayout()
        for widget in (self.data, browse, self.check_button):
            row.addWidget(widget)
        form.addRow("Data", row)
        row = QHBoxLayout()
        for widget in (self.synthetic_button, self.synthetic_count, self.synthetic_size):
            row.addWidget(widget)
        row.addStretch(1)
        form.addRow("", row)
        self.check_result = QLabel("Choose a folder and press Check to see what the task would train on.")
        self.check_result.setWordWrap(True)
        self.check_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", self.check_result)
        self.out = QLineEdit()
        self.out.setPlaceholderText("the run folder (checkpoint, losses, samples, the model)")
        out_browse = QPushButton("Browse…")
        out_browse.clicked.connect(lambda: self._choose_folder(self.out, "Run folder"))
        row = QHBoxLayout()
        row.addWidget(self.out)
        row.addWidget(out_browse)
        form.addRow("Run folder", row)
        self.preset = QComboBox()
        self.preset.addItems(self.vm.presets())
        self.preset.currentTextChanged.connect(self._apply_preset)
        form.addRow("Preset", self.preset)
        self.advanced_button = QToolButton()
        self.advanced_button.setText("Advanced: every option")
        self.advanced_button.setCheckable(True)
        self.options = OptionsView()
        self.options.setVisible(False)
        self.advanced_button.toggled.connect(self.options.setVisible)
        self.options.changed.connect(self._show_command)
        form.addRow(self.advanced_button)
        form.addRow(self.options)
        self.command_label = QLabel()
        self.command_label.setWordWrap(True)
        self.command_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Command", self.command_label)
        self.start_button = QPushButton("Start training")
        self.start_button.setEnabled(False)
        self.start_button.clicked.connect(self.start_run)
        form.addRow(self.start_button)
        self.gpu_label = QLabel(self.vm.gpu_text() or "No CUDA GPU found: training runs on the CPU")
        form.addRow("GPU", self.gpu_label)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c0392b")
        form.addRow(self.error_label)

        runs = QWidget()
        column = QVBoxLayout(runs)
        self.run_list = QListWidget()
        self.run_list.setMaximumHeight(120)
        self.run_list.currentRowChanged.connect(self._on_run_selected)
        column.addWidget(QLabel("Runs"))
        column.addWidget(self.run_list)
        self.progress = QLabel("No run selected")
        column.addWidget(self.progress)
        buttons = QHBoxLayout()
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Save a checkpoint and stop; Resume continues exactly there")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the run now (the last periodic checkpoint stays)")
        self.export_button = QPushButton("Export now")
        self.export_button.setToolTip("Write the model from the last checkpoint")
        self.open_button = QPushButton("Open model")
        for button, slot in ((self.pause_button, "pause"), (self.resume_button, "resume"), (self.stop_button, "stop"),
                             (self.export_button, "export_now")):
            button.clicked.connect(lambda _=False, s=slot: self._run_command(s))
            buttons.addWidget(button)
        self.open_button.clicked.connect(self.open_exported)
        buttons.addWidget(self.open_button)
        self.forget_button = QPushButton("Forget")
        self.forget_button.setToolTip("Remove the run from this list (its folder stays)")
        self.forget_button.clicked.connect(self.forget_run)
        buttons.addWidget(self.forget_button)
        column.addLayout(buttons)
        self.plot = LossPlot()
        column.addWidget(self.plot, 2)
        self.sample = QLabel("The latest sample grid appears here")
        self.sample.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample.setMinimumHeight(120)
        column.addWidget(self.sample, 1)
        self.log = QLabel()
        self.log.setWordWrap(True)
        self.log.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.log)

        box = QGroupBox("New run")
        QVBoxLayout(box).addWidget(setup)
        scroll = QScrollArea()  # the form scrolls rather than setting the window's minimum size
        scroll.setWidgetResizable(True)
        scroll.setWidget(box)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(runs)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._update_buttons()

    # -- setup -------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.started:  # the first look at the tab, so other workspaces' start-up never waits on the trainer
            self.start()

    def start(self) -> None:
        """Ask the trainer for its recipes and find the runs of earlier sessions (children; nothing blocks)."""
        self.started = True
        self.vm.load_recipes()
        self.vm.reattach()

    def _choose_folder(self, line: QLineEdit, title: str) -> None:
        folder = self.dialogs.open_folder(title)
        if folder:
            line.setText(folder)

    def _on_recipes(self, recipes: list[dict[str, Any]]) -> None:
        self.recipe.blockSignals(True)
        self.recipe.clear()
        for item in recipes:
            self.recipe.addItem(item["name"], item["help"])
        if self.recipe.findText(self.preferred_recipe) >= 0:
            self.recipe.setCurrentText(self.preferred_recipe)
        self.recipe.blockSignals(False)
        self._on_recipe_chosen()

    def _on_recipe_chosen(self, *_: Any) -> None:
        name = self.recipe.currentText()
        self.recipe_help.setText(self.recipe.currentData() or "")
        self.start_button.setEnabled(False)
        if name:
            self.vm.request_options(name)

    def _on_options(self, recipe: str, options: list[dict[str, Any]]) -> None:
        if recipe != self.recipe.currentText():
            return
        self.options.set_options(options)
        self._apply_preset(self.preset.currentText())
        self.start_button.setEnabled(True)

    def _apply_preset(self, preset: str) -> None:
        recipe = self.recipe.currentText()
        if recipe in self.vm.options:
            self.options.set_values(self.vm.preset(recipe, preset))
        self._show_command()

    def _show_command(self) -> None:
        recipe = self.recipe.currentText()
        if recipe not in self.vm.options:
            return
        command = self.vm.command(recipe, self.data.text() or "DATA", self.out.text() or "OUT", self.options.values())
        self.command_label.setText(shlex.join(command[1:]))

    def check_data(self) -> None:
        self.check_result.setText("Checking…")
        self.vm.check_data(self.recipe.currentText(), self.data.text())

    def _on_checked(self, report: dict[str, Any]) -> None:
        lines = [report.get("summary", "")]
        for key, label in (("reader", "reader"), ("classes", "classes"), ("attributes", "attributes"),
                           ("domain_a", "A images"), ("domain_b", "B images")):
            if key in report:
                value = report[key]
                lines.append(f"{label}: {', '.join(value) if isinstance(value, list) else value}")
        folders = report.get("folders", {})
        if folders:
            lines.append("images: " + ", ".join(f"{k} {v}" for k, v in list(folders.items())[:8]))
        problems = report.get("problems", [])
        lines += [f"problem: {p}" for p in problems[:10]] + ([f"… and {len(problems) - 10} more"] if len(problems) > 10 else [])
        self.check_result.setText("\n".join(lines))
        self.last_check = report

    def make_synthetic_data(self) -> None:
        folder = self.data.text().strip()
        if not folder:
            self._show_error("Choose an empty data folder first: the synthetic data is written there")
            return
        self.check_result.setText("Making synthetic data…")
        self.vm.make_data(self.recipe.currentText(), folder, self.synthetic_count.value(), self.synthetic_size.value())

    def _on_data_made(self, folder: str) -> None:
        self.data.setText(folder)
        self.check_data()

    def start_run(self) -> None:
        recipe, data, out = self.recipe.currentText(), self.data.text().strip(), self.out.text().strip()
        if not data or not out:
            self._show_error("Choose a data folder and a run folder")
            return
        self.error_label.clear()
        try:
            self.vm.start_run(recipe, data, out, self.options.values())
        except OSError as exc:
            self._show_error(str(exc))

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)

    # -- runs --------------------------------------------------------------------
    def _on_run_added(self, run: TrainRun) -> None:
        item = QListWidgetItem()
        self.run_list.addItem(item)
        run.stateChanged.connect(lambda _state, r=run: self._refresh_run(r))
        run.progressChanged.connect(lambda _text, r=run: self._refresh_run(r))
        run.rowsAdded.connect(lambda restarted, rows, r=run: self._on_rows(r, restarted, rows))
        run.sampleChanged.connect(lambda path, r=run: self._on_sample(r, path))
        run.exported.connect(lambda path, r=run: self._on_exported(r, path))
        self._refresh_run(run)
        self.run_list.setCurrentItem(item)

    def _item(self, run: TrainRun) -> QListWidgetItem:
        return self.run_list.item(self.vm.runs.index(run))

    def _refresh_gpu(self) -> None:
        """GPU memory and load while a run trains, at most every few seconds (nvidia-smi in a child)."""
        now = time.monotonic()
        if now - self._gpu_checked > GPU_REFRESH_S:
            self._gpu_checked = now
            self.gpu_label.setText(self.vm.gpu_text() or "No CUDA GPU found: training runs on the CPU")

    def _refresh_run(self, run: TrainRun) -> None:
        if run.state == "running":
            self._refresh_gpu()
        item = self._item(run)
        item.setText(f"{Path(run.record.out).name} ({run.record.recipe}) — {run.progress_text()}")
        if run is self.current:
            self.progress.setText(run.progress_text())
            self.log.setText(run.log_tail(3) if run.state != "running" else "")
            self._update_buttons()

    def _on_run_selected(self, row: int) -> None:
        self.current = self.vm.runs[row] if 0 <= row < len(self.vm.runs) else None
        self.plot.clear()
        self.sample.setPixmap(QPixmap())
        if self.current is not None:
            self.plot.add_rows(True, self.current.rows)
            if self.current.sample:
                self._on_sample(self.current, self.current.sample)
            self._refresh_run(self.current)
        self._update_buttons()

    def _on_rows(self, run: TrainRun, restarted: bool, rows: list) -> None:
        if run is self.current:
            self.plot.add_rows(restarted, rows)

    def _on_sample(self, run: TrainRun, path: str) -> None:
        if run is self.current:
            pixmap = QPixmap(path)
            self.sample.setPixmap(pixmap.scaled(self.sample.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation) if not pixmap.isNull() else pixmap)

    def _on_exported(self, run: TrainRun, path: str) -> None:
        self.vm.message.emit(f"{Path(path).name} is ready: Open model shows it in its workspace")
        self._refresh_run(run)

    def _run_command(self, command: str) -> None:
        if self.current is None:
            return
        try:
            getattr(self.current, command)()
        except OSError as exc:
            self._show_error(str(exc))
        self._update_buttons()

    def _update_buttons(self) -> None:
        run = self.current
        state = run.state if run is not None else ""
        self.pause_button.setEnabled(state == "running")
        self.stop_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state in ("stopped", "finished") and run is not None and
                                      (Path(run.record.out) / "checkpoint.pt").is_file())
        self.export_button.setEnabled(state in ("stopped", "finished") and run is not None and
                                      (Path(run.record.out) / "checkpoint.pt").is_file())
        self.open_button.setEnabled(run is not None and self.exported_path(run) is not None)
        self.forget_button.setEnabled(run is not None and state != "running")

    @staticmethod
    def exported_path(run: TrainRun) -> str | None:
        found = find_export(run.record.out)
        return str(found) if found else None

    def forget_run(self) -> None:
        run = self.current
        if run is None or run.state == "running":
            return
        row = self.vm.runs.index(run)
        self.vm.forget(run)
        self.run_list.takeItem(row)
        self._on_run_selected(self.run_list.currentRow())

    def open_exported(self) -> None:
        path = self.exported_path(self.current) if self.current is not None else None
        if path:
            self.openModel.emit(path)
