"""Exports: named after the run, float16 unless it cannot hold the weights, domain names, and what the Models dock shows."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from ganstudio.checkpoints import load_model, save_model
from ganstudio.models.cyclegan import ResnetGenerator
from trainer import defaults, export
from trainer.loop import run_recipe

from train_helpers import make_paired_data, make_unpaired_data, recipe_class, tiny_args


def test_the_export_is_named_after_the_run_and_older_runs_are_still_found(tmp_path: Path) -> None:
    run = tmp_path / "horse2zebra"
    run.mkdir()
    assert export.default_export_path(run) == run / "horse2zebra.safetensors"
    assert export.run_name("/") == "model"
    assert export.find_export(run) is None
    legacy = run / "model.safetensors"
    legacy.write_bytes(b"old")
    assert export.find_export(run) == legacy  # a run exported before the rename
    named = run / "horse2zebra.safetensors"
    named.write_bytes(b"new")
    os.utime(legacy, ns=(1, 1))
    assert export.find_export(run) == named  # the newer of the two


def test_domain_names_come_from_options_then_the_data(tmp_path: Path) -> None:
    def args(data: Path, a: str | None = None, b: str | None = None):  # type: ignore[no-untyped-def]
        import argparse

        return argparse.Namespace(data=str(data), domain_a=a, domain_b=b)

    plain = tmp_path / "mine"
    assert export.domain_names(args(plain)) is None  # unknown: the app shows A → B
    assert export.domain_names(args(plain, "day", "night")) == {"A": "day", "B": "night"}
    assert export.domain_names(args(plain, "day")) is None  # half a name is no name
    assert export.domain_names(args(tmp_path / "horse2zebra")) == {"A": "horse", "B": "zebra"}
    assert export.domain_names(args(tmp_path / "summer2winter_yosemite" / "train")) == {"A": "summer", "B": "winter"}
    assert export.domain_names(args(tmp_path / "edges2shoes"), swap=True) == {"A": "shoes", "B": "edges"}
    assert export.domain_names(args(tmp_path / "horse2zebra", "wild_horse")) == {"A": "wild horse", "B": "zebra"}
    # the synthetic landscapes say what their folders hold
    synthetic = tmp_path / "landscapes"
    synthetic.mkdir()
    (synthetic / "meta.json").write_text(json.dumps({"generator": export.SYNTHETIC_LANDSCAPES,
                                                     "cyclegan": {"trainA": {"season": "summer"}, "trainB": {"season": "winter"}}}))
    assert export.domain_names(args(synthetic / "cyclegan")) == {"A": "summer", "B": "winter"}
    assert export.domain_names(args(synthetic / "pix2pix")) == {"A": "label map", "B": "photo"}
    assert export.domain_names(args(synthetic / "images")) is None


def test_float16_unless_the_weights_do_not_fit_it() -> None:
    net = torch.nn.Linear(2, 2)
    assert export.storage_dtype("float16", [net]) == (torch.float16, "")
    assert export.storage_dtype("float32", [net]) == (torch.float32, "")
    with torch.no_grad():
        net.weight[0, 0] = 1e6  # beyond float16's 65504: it would become inf
    dtype, why = export.storage_dtype("float16", [net])
    assert dtype == torch.float32 and "weight" in why


def test_translation_exports_record_their_domains_in_the_models_frame(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    data = make_unpaired_data(tmp_path / "horse2zebra")
    result = run_recipe(recipe_class("cyclegan"), tiny_args("cyclegan", data, tmp_path / "h2z", iters=1))
    assert load_model(result.export_path).meta["provenance"]["domains"] == {"A": "horse", "B": "zebra"}
    assert result.export_path.name == "h2z.safetensors"

    # pix2pix BtoA takes the data's B images: its A is the photo
    paired = make_paired_data(tmp_path / "paired")
    options = ("--direction", "BtoA", "--domain-a", "label map", "--domain-b", "photo")
    result = run_recipe(recipe_class("pix2pix"), tiny_args("pix2pix", paired, tmp_path / "photo2labels", *options, iters=1))
    assert load_model(result.export_path).meta["provenance"]["domains"] == {"A": "photo", "B": "label map"}
    assert "Model saved: " in capsys.readouterr().out


def test_the_models_dock_shows_how_a_trainer_export_was_made(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    from ganstudio.app.model_library import ModelLibrary
    from ganstudio.ui.models_dock import ModelsPanel

    data = make_unpaired_data(tmp_path / "summer2winter")
    run_recipe(recipe_class("cyclegan"), tiny_args("cyclegan", data, tmp_path / "models" / "my-seasons", "--batch", "1", iters=2))
    library = ModelLibrary(user_folder=tmp_path / "models" / "my-seasons", bundled_folder=tmp_path / "none")
    panel = ModelsPanel(library)
    qtbot.addWidget(panel)
    item = panel.tree.topLevelItem(0)
    assert item.text(0) == "my-seasons.safetensors"
    assert "summer ↔ winter" in item.text(1)
    tip = item.toolTip(0)
    assert "Trained with ganstudio-train (cyclegan): 2 iterations, batch 1" in tip
    assert "on CPU" in tip and "Data: summer2winter." in tip
    assert item.data(0, Qt.ItemDataRole.UserRole).endswith("my-seasons.safetensors")


def test_stamping_domains_on_a_shipped_file_keeps_its_tensors_bit_identical(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = save_model(ResnetGenerator(ngf=4, n_blocks=1), tmp_path / "s2w.safetensors", parts={"reverse": ResnetGenerator(ngf=4, n_blocks=1)},
                      dtype=torch.float16, resolution=16, provenance={"iterations": 3})
    before = path.read_bytes()
    assert defaults.stamp_domains(path, ("summer", "winter"))
    assert not defaults.stamp_domains(path, ("summer", "winter"))  # already there: untouched
    after = path.read_bytes()
    head_before, head_after = (8 + struct.unpack("<Q", raw[:8])[0] for raw in (before, after))
    assert before[head_before:] == after[head_after:]  # the tensor bytes
    assert all(v.dtype == np.float16 for v in load_file(str(path)).values())  # still the float16 it was
    loaded = load_model(path)
    assert loaded.meta["provenance"] == {"iterations": 3, "domains": {"A": "summer", "B": "winter"}}
    assert "reverse" in loaded.parts


def test_the_bundled_cyclegan_names_its_seasons() -> None:
    from ganstudio.app.model_library import read_native_header

    header = read_native_header(Path(__file__).resolve().parents[2] / "resources" / "models" / "summer2winter-cyclegan.safetensors")
    assert header["provenance"]["domains"] == {"A": "summer", "B": "winter"}
    assert header["storage_dtype"] == "float16"


@pytest.mark.parametrize("model", [m for m in defaults.DEFAULTS if m.recipe in ("pix2pix", "cyclegan")], ids=lambda m: m.name)
def test_the_translation_defaults_are_trained_with_domain_names(model: defaults.DefaultModel) -> None:
    command = model.command(Path("DATA"), Path("RUN"), 1)
    assert command[command.index("--domain-a") + 1] and command[command.index("--domain-b") + 1]
