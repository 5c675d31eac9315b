"""The Train workspace's app layer without Qt widgets: the losses.csv tailer, the run registry, command lines."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganstudio.app.train_command import (export_now_command, option_arguments, preset_values, requested_iters,
                                         trainer_command)
from ganstudio.app.train_log import LossTail, speed
from ganstudio.app.train_queries import gpu_count, parse_gpu_usage
from ganstudio.app.train_registry import RegistryError, RunRecord, RunRegistry, pid_is_run, run_state

HEADER = "iteration,seconds,G_gan,D_real,kimg\n"


def test_tail_reads_only_complete_new_rows(tmp_path: Path) -> None:
    csv = tmp_path / "losses.csv"
    tail = LossTail(csv)
    assert tail.read() == (False, [])  # not written yet
    csv.write_text(HEADER + "1,0.5,1.25,0.5,0.002\n2,1.0,1.0,")  # the last row half written
    restarted, rows = tail.read()
    assert not restarted and [r.iteration for r in rows] == [1]
    assert rows[0].values == {"G_gan": 1.25, "D_real": 0.5, "kimg": 0.002} and tail.names == ["G_gan", "D_real", "kimg"]
    with csv.open("a") as handle:
        handle.write(",0.004\n3,1.5,,0.25,0.006\n")
    restarted, rows = tail.read()
    assert [r.iteration for r in rows] == [2, 3]
    assert rows[0].values == {"G_gan": 1.0, "kimg": 0.004}  # an empty cell: that term was not logged then
    assert rows[1].values == {"D_real": 0.25, "kimg": 0.006}
    assert tail.read() == (False, [])


def test_tail_starts_again_when_a_resume_rewrites_the_file(tmp_path: Path) -> None:
    csv = tmp_path / "losses.csv"
    csv.write_text(HEADER + "".join(f"{i},{i},1,1,0\n" for i in range(1, 6)))
    tail = LossTail(csv)
    assert len(tail.read()[1]) == 5
    csv.write_text(HEADER + "1,1,1,1,0\n2,2,1,1,0\n")  # the trainer keeps the rows up to its checkpoint
    restarted, rows = tail.read()
    assert restarted and [r.iteration for r in rows] == [1, 2]


def test_speed_uses_one_session_only(tmp_path: Path) -> None:
    csv = tmp_path / "losses.csv"
    # seconds restart at 0 on resume: only the rows after the restart give the rate
    csv.write_text(HEADER + "1,1,1,1,0\n2,2,1,1,0\n3,0.5,1,1,0\n5,1.0,1,1,0\n7,1.5,1,1,0\n")
    rows = LossTail(csv).read()[1]
    assert speed(rows) == pytest.approx(4.0)
    assert speed(rows[:1]) is None


def test_registry_round_trip_and_states(tmp_path: Path) -> None:
    registry = RunRegistry(tmp_path / "data" / "train_runs.json")
    assert registry.load() == []
    out = tmp_path / "run"
    out.mkdir()
    record = RunRecord("a", "dcgan", str(out), "data", ["python", "-m", "trainer.cli", "dcgan", "--out", str(out)], pid=None, iters=10)
    registry.put(record)
    registry.put(RunRecord("b", "pix2pix", str(tmp_path / "other"), "d", []))
    assert [r.id for r in registry.load()] == ["a", "b"] and registry.load()[0] == record
    assert run_state(record) == "failed"
    (out / "checkpoint.pt").write_bytes(b"x")
    assert run_state(record) == "stopped"
    (out / "run.safetensors").write_bytes(b"x")
    assert run_state(record) == "finished"
    registry.remove("a")
    assert [r.id for r in registry.load()] == ["b"]
    assert not list((tmp_path / "data").glob("*.tmp*"))  # written atomically: no temporaries left


def test_registry_says_in_words_that_its_file_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "train_runs.json"
    for text in ("{not json", json.dumps({"runs": [{"id": "a"}]}), json.dumps([1, 2])):
        path.write_text(text)
        with pytest.raises(RegistryError, match="list of training runs .* is damaged"):
            RunRegistry(path).load()
    registry = RunRegistry(path)
    registry.put(RunRecord("c", "dcgan", "/x", "d", []))  # a new run replaces the damaged file
    assert [r.id for r in registry.load()] == ["c"]


def test_a_stale_or_reused_pid_is_not_the_run(tmp_path: Path) -> None:
    out = str(tmp_path / "run")
    record = RunRecord("a", "dcgan", out, "d", [])
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    assert not pid_is_run(finished.pid, record)  # gone
    assert not pid_is_run(os.getpid(), record)  # alive, but pytest is not a trainer of that folder
    stranger = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(30)", "trainer", out])
    try:
        assert pid_is_run(stranger.pid, record)  # names the trainer and the folder (or is still starting): taken as the run
        record.pid = stranger.pid
        assert run_state(record) == "running"
    finally:
        stranger.kill()
        stranger.wait()
    assert run_state(record) == "failed"


def test_command_lines() -> None:
    options = [{"flag": "--iters", "default": 1000}, {"flag": "--batch", "default": 1}, {"flag": "--amp", "default": "auto"},
               {"flag": "--no-flip", "default": False}, {"flag": "--data", "default": None}, {"flag": "--z-dim", "default": 100}]
    quick = preset_values("quick", options)
    assert quick == {"--iters": 2000, "--batch": 4, "--amp": "auto", "--no-flip": False, "--z-dim": 100}  # only options it has
    defaults = {o["flag"]: o["default"] for o in options}
    args = option_arguments({**quick, "--no-flip": True, "--z-dim": 8}, defaults)
    assert args == ["--iters", "2000", "--batch", "4", "--no-flip", "--z-dim", "8"]  # defaults left out
    single = trainer_command("dcgan", "D", "O", args, python="py")
    assert single == ["py", "-m", "trainer.cli", "dcgan", "--data", "D", "--out", "O", "--no-progress", *args]
    assert requested_iters(single, 5) == 2000 and requested_iters(single[:5], 5) == 5
    resumed = trainer_command("dcgan", "D", "O", args, python="py", resume=True)
    assert resumed[-1] == "--resume"
    multi = trainer_command("dcgan", "D", "O", args, python="py", gpus=4)
    assert multi[:5] == ["py", "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=4"]
    assert multi[5:] == single[1:]
    assert trainer_command("dcgan", "D", "O", [], python="py", gpus=1) == trainer_command("dcgan", "D", "O", [], python="py")
    export = export_now_command(multi + ["--resume"])
    assert export[:4] == ["py", "-m", "trainer.cli", "dcgan"] and export[-3:] == ["--iters", "1", "--resume"]
    assert "2000" not in export and export.count("--resume") == 1


def test_gpu_usage_lines() -> None:
    text = "0, NVIDIA H100, 1200, 81559, 35\n1, NVIDIA H100, 3, 81559, 0\n"
    usage = parse_gpu_usage(text)
    assert usage.splitlines() == ["GPU 0 NVIDIA H100: 1200/81559 MiB, 35 %", "GPU 1 NVIDIA H100: 3/81559 MiB, 0 %"]
    assert gpu_count(usage) == 2 and gpu_count("") == 0


def test_a_frozen_bundle_says_it_has_no_trainer(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # PyInstaller's mark: sys.executable is the app itself
    with pytest.raises(OSError, match="bundled application without Python"):
        trainer_command("dcgan", "D", "O", [])
