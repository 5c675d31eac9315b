"""trainer.defaults (`make models`): renders the data, trains, ships float16, skips what is done, resumes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors import safe_open

from ganstudio.checkpoints import load_model
from trainer import defaults

TINY_DATA = defaults.Dataset("landscapes", 32, 6, 5, ("--cyclegan-n", "4"))
TINY_ARGS = ("--resolution", "32", "--load-size", "36", "--ngf", "4", "--ndf", "4", "--n-blocks", "1", "--batch", "1",
             "--checkpoint-every", "2", "--sample-every", "1000")


def _use(monkeypatch: pytest.MonkeyPatch, iters: int) -> None:
    model = defaults.DefaultModel("tiny-cyclegan", "cyclegan", TINY_DATA, "cyclegan", iters, TINY_ARGS)
    monkeypatch.setattr(defaults, "DEFAULTS", (model,))


def _shipped(dest: Path) -> tuple[dict, set[str]]:
    with safe_open(str(dest / "tiny-cyclegan.safetensors"), framework="np") as handle:
        header = json.loads(handle.metadata()["ganstudio"])
        dtypes = {str(handle.get_tensor(k).dtype) for k in handle.keys()}
    return header, dtypes


@pytest.mark.slow
def test_make_models_trains_ships_float16_skips_when_done_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    work, data, dest = tmp_path / "runs", tmp_path / "data", tmp_path / "models"
    argv = ["--work", str(work), "--data", str(data), "--dest", str(dest), "--threads", "1"]
    _use(monkeypatch, 3)
    assert defaults.main(argv) == 0
    assert (data / TINY_DATA.folder / "meta.json").exists() and not (data / (TINY_DATA.folder + ".partial")).exists()
    header, dtypes = _shipped(dest)
    provenance = header["provenance"]
    assert provenance["iterations"] == 3 and provenance["target_iterations"] == 3
    assert provenance["default_model"] == "tiny-cyclegan" and "--seed 5" in provenance["data_command"]
    assert dtypes == {"float16"}
    assert load_model(dest / "tiny-cyclegan.safetensors").parts["reverse"].arch == "cyclegan_resnet"
    record = json.loads((work / "tiny-cyclegan" / "train.json").read_text())
    assert record["iterations"] == 3 and record["command"].startswith("-m trainer.cli cyclegan --data DATA/")

    shipped = (dest / "tiny-cyclegan.safetensors").stat().st_mtime_ns
    capsys.readouterr()
    assert defaults.main(argv) == 0
    assert "tiny-cyclegan: complete, skipped" in capsys.readouterr().out
    assert (dest / "tiny-cyclegan.safetensors").stat().st_mtime_ns == shipped

    _use(monkeypatch, 5)  # more iterations planned: the run continues from its checkpoint
    assert defaults.main(argv) == 0
    assert "resumed from iteration 3" in (work / "tiny-cyclegan" / "train.log").read_text()
    assert _shipped(dest)[0]["provenance"]["iterations"] == 5


@pytest.mark.slow
def test_a_time_limit_stops_the_run_checkpointed_and_ships_what_it_has(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, data, dest = tmp_path / "runs", tmp_path / "data", tmp_path / "models"
    _use(monkeypatch, 1_000_000)
    assert defaults.main(["--work", str(work), "--data", str(data), "--dest", str(dest), "--threads", "1", "--minutes", "0.1"]) == 0
    done = _shipped(dest)[0]["provenance"]["iterations"]
    assert 1 <= done < 1_000_000
    assert defaults.checkpoint_iteration(work / "tiny-cyclegan") == done  # the next call resumes from here


@pytest.mark.slow
def test_ctrl_c_checkpoints_the_runs_and_ships_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, data, dest = tmp_path / "runs", tmp_path / "data", tmp_path / "models"
    _use(monkeypatch, 1_000_000)
    checkpoint = work / "tiny-cyclegan" / "checkpoint.pt"
    real_sleep = defaults.time.sleep

    def sleep_then_interrupt(seconds: float) -> None:
        real_sleep(seconds)
        if checkpoint.exists():  # the run is training: the user presses Ctrl+C
            raise KeyboardInterrupt

    monkeypatch.setattr(defaults.time, "sleep", sleep_then_interrupt)
    assert defaults.main(["--work", str(work), "--data", str(data), "--dest", str(dest), "--threads", "1"]) == 130
    done = _shipped(dest)[0]["provenance"]["iterations"]
    assert 2 <= done < 1_000_000 and defaults.checkpoint_iteration(work / "tiny-cyclegan") == done
    assert "stopped by signal" in (work / "tiny-cyclegan" / "train.log").read_text()


def test_the_shipped_models_fit_the_bundle_budget() -> None:
    shipped = [f for f in (defaults.ROOT / "resources" / "models").iterdir() if f.is_file()]
    total_mb = sum(f.stat().st_size for f in shipped) / 1e6
    assert len(shipped) >= 10 and total_mb <= defaults.BUNDLE_BUDGET_MB, (total_mb, defaults.BUNDLE_BUDGET_MB)


def test_instance_data_is_recognised_when_finished_and_a_stale_folder_replaced(tmp_path: Path) -> None:
    """`make-data instances` marks a finished folder with meta.json; a folder from before (no meta.json) is re-rendered."""
    tiny = defaults.Dataset("instances", 32, 4, 0)
    stale = tmp_path / tiny.folder
    (stale / "trainA").mkdir(parents=True)
    (stale / "trainA" / "leftover.png").write_bytes(b"")
    defaults.ensure_data(tiny, tmp_path)
    meta = json.loads((stale / "meta.json").read_text())
    assert meta["kind"] == "instances" and meta["n"] == 4 and sum(meta["images"].values()) > 0
    assert not (stale / "trainA" / "leftover.png").exists() and not (tmp_path / (tiny.folder + ".partial")).exists()
    before = (stale / "meta.json").stat().st_mtime_ns
    defaults.ensure_data(tiny, tmp_path)  # finished: left as it is
    assert (stale / "meta.json").stat().st_mtime_ns == before
