"""The Train workspace in the real window: a tiny DCGAN run on tiny synthetic data, in a child process — curves,
pause (checkpoint), resume, stop, export from the checkpoint, the model opened in its workspace, and a new window
that finds the run again."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

TIMEOUT_MS = 60_000
TINY = {"--resolution": 16, "--batch": 2, "--iters": 100_000, "--z-dim": 8, "--ngf": 2, "--ndf": 2, "--sample-every": 2,
        "--checkpoint-every": 100_000, "--log-every": 1, "--lr": 0.0002}


@pytest.fixture
def train_window(make_window, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the run registry lives in the user data dir
    made = []

    def make():  # type: ignore[no-untyped-def]
        window = make_window()
        made.append(window)
        return window

    yield make
    for window in made:  # never leave a trainer behind
        for run in window.train.vm.runs:
            if run.state == "running":
                run.stop()


def _choose_dcgan(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    train = window.train
    train.preferred_recipe = "dcgan"
    with qtbot.waitSignal(train.vm.recipesReady, timeout=TIMEOUT_MS):
        window.workspaces.setCurrentWidget(train)  # the first look asks the trainer (a child) for its recipes
    assert train.recipe.findText("pix2pix") >= 0 and train.recipe.count() >= 10 and train.recipe.currentText() == "dcgan"


def test_tiny_run_curves_pause_resume_stop_export_open(qtbot, train_window, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = train_window()
    train = window.train
    _choose_dcgan(qtbot, window)
    train.data.setText(str(tmp_path / "data"))
    train.synthetic_count.setValue(6)
    train.synthetic_size.setValue(16)
    with qtbot.waitSignal(train.vm.dataChecked, timeout=TIMEOUT_MS) as checked:
        qtbot.mouseClick(train.synthetic_button, Qt.MouseButton.LeftButton)  # make-data (beside the options query), then the check
        qtbot.waitUntil(train.start_button.isEnabled, timeout=TIMEOUT_MS)  # the recipe's options arrived
    assert checked.args[0]["items"] == 6 and train.data.text().endswith("images")
    assert "6 training items" in train.check_result.text() and "reader: ImageFolderDataset" in train.check_result.text()
    # every option of the recipe's parser is there, the trainer's own names; the preset set some of them
    assert {"--z-dim", "--ngf", "--ndf", "--beta1", "--iters", "--diffaugment", "--precision"} <= set(train.options.editors)
    assert train.options.values()["--iters"] == 2000  # quick

    train.advanced_button.click()
    train.options.set_values(TINY)
    train.out.setText(str(tmp_path / "runs" / "tiny"))
    assert "--z-dim 8" in train.command_label.text()
    clicked = time.perf_counter()
    qtbot.mouseClick(train.start_button, Qt.MouseButton.LeftButton)
    run = train.current
    assert run is not None and run.state == "running" and train.run_list.count() == 1
    qtbot.waitUntil(lambda: train.plot.point_count > 0, timeout=TIMEOUT_MS)
    print(f"\nStart -> first curve point: {time.perf_counter() - clicked:.2f} s")
    assert set(train.plot.series) >= {"G_gan"} and "kimg" not in train.plot.series
    qtbot.waitUntil(lambda: run.sample is not None, timeout=TIMEOUT_MS)
    assert "it/s" in train.progress.text()

    with qtbot.waitSignal(run.stateChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(train.pause_button, Qt.MouseButton.LeftButton)  # SIGINT: checkpoint and stop
    assert run.state == "stopped" and (Path(run.record.out) / "checkpoint.pt").is_file()
    assert "stopped by signal" in run.log_tail(5) and train.resume_button.isEnabled()
    paused_at = run.rows[-1].iteration

    qtbot.mouseClick(train.resume_button, Qt.MouseButton.LeftButton)
    assert run.state == "running"
    qtbot.waitUntil(lambda: run.rows and run.rows[-1].iteration > paused_at, timeout=TIMEOUT_MS)
    assert "resumed from iteration" in (Path(run.record.out) / "train.log").read_text()
    with qtbot.waitSignal(run.stateChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(train.stop_button, Qt.MouseButton.LeftButton)  # ended at once; the checkpoint stays
    assert run.state == "stopped" and not train.open_button.isEnabled()

    with qtbot.waitSignal(run.exported, timeout=TIMEOUT_MS) as exported:
        qtbot.mouseClick(train.export_button, Qt.MouseButton.LeftButton)  # the model from the last checkpoint
    model = exported.args[0]
    assert Path(model).name == "tiny.safetensors"
    qtbot.waitUntil(lambda: run.state == "finished", timeout=TIMEOUT_MS)
    assert any(entry.path == model for entry in window.library.entries)  # in the Models dock
    with qtbot.waitSignal(window.latent_vm.modelChanged, timeout=TIMEOUT_MS):
        qtbot.mouseClick(train.open_button, Qt.MouseButton.LeftButton)
    assert window.workspaces.currentWidget() is window.latent and window.latent_vm.model_path == model

    # a new window (the app reopened) finds the run in the registry, stopped with its checkpoint: Resume offered
    again = train_window()
    with qtbot.waitSignal(again.train.vm.recipesReady, timeout=TIMEOUT_MS):
        again.workspaces.setCurrentWidget(again.train)
    assert [r.record.out for r in again.train.vm.runs] == [run.record.out]
    assert again.train.current.state == "finished" and again.train.plot.point_count > 0
    assert again.train.resume_button.isEnabled() and again.train.open_button.isEnabled()
    again.train.forget_button.click()  # off the list and the registry; the folder stays
    assert again.train.run_list.count() == 0 and again.train.vm.registry.load() == [] and Path(model).is_file()
