"""Two gloo processes under torchrun keep identical replicas, and only rank 0 writes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from train_helpers import TINY, make_face_data, make_image_folder, make_labelmap_data, make_paired_data, make_unpaired_data

ROOT = Path(__file__).resolve().parents[2]
MAKERS = {"paired": make_paired_data, "unpaired": make_unpaired_data, "faces": make_face_data, "labelmap": make_labelmap_data,
          "folder": make_image_folder}


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path):
    recipes = sorted(TINY)
    for kind in {TINY[r][0] for r in recipes}:
        MAKERS[kind](tmp_path / "data" / kind, count=8)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               str(Path(__file__).with_name("ddp_worker.py")), str(tmp_path / "data"), str(out), *recipes]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]

    rank0 = torch.load(out / "rank0.pt", weights_only=True)
    rank1 = torch.load(out / "rank1.pt", weights_only=True)
    for recipe in recipes:
        assert rank0[recipe]["world_size"] == 2
        for net, state in rank0[recipe].items():
            if net == "world_size":
                continue
            for key, value in state.items():
                assert torch.equal(value, rank1[recipe][net][key]), f"{recipe}: {net}.{key} differs between ranks"
        run_dir = out / recipe
        assert (run_dir / f"{recipe}.safetensors").is_file() and (run_dir / "checkpoint.pt").is_file()
        assert len((run_dir / "losses.csv").read_text().splitlines()) == 4  # header + 3 iterations, one writer
