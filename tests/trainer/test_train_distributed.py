"""Two gloo processes under torchrun keep identical replicas, and only rank 0 writes."""
from __future__ import annotations


import pytest

from train_helpers import (
    TINY, assert_replicas_identical, make_face_data, make_image_folder, make_labelmap_data, make_paired_data, make_unpaired_data,
    train_on_two_processes,
)

MAKERS = {"paired": make_paired_data, "unpaired": make_unpaired_data, "faces": make_face_data, "labelmap": make_labelmap_data,
          "folder": make_image_folder}


@pytest.mark.slow
def test_two_process_gloo_run_keeps_replicas_identical(tmp_path):
    recipes = sorted(TINY)
    for kind in {TINY[r][0] for r in recipes}:
        MAKERS[kind](tmp_path / "data" / kind, count=8)
    out = tmp_path / "out"
    assert_replicas_identical(*train_on_two_processes("train_helpers:distributed_args", tmp_path / "data", out, recipes), out)
    assert all((out / recipe / "checkpoint.pt").is_file() for recipe in recipes)