"""Choosing each workspace's start-up model from the bundled folder and the remembered settings (headers only, no torch)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

from PySide6.QtCore import QSettings

from ganstudio.app.model_defaults import LEGACY_LAST_KEY, ModelDefaults, last_model_key
from ganstudio.app.model_library import BUNDLED_ENV, ModelLibrary
from translation_models import save_cyclegan


def write_header_only(path: Path, arch: str) -> Path:
    """A native file's header (all that listing reads)."""
    meta = {"format": "ganstudio/1", "ganstudio": json.dumps({"arch": arch, "config": {}, "resolution": 64})}
    blob = json.dumps({"__metadata__": meta}).encode()
    path.write_bytes(struct.pack("<Q", len(blob)) + blob)
    return path


def bundled_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bundled"
    folder.mkdir()
    for name, arch in (("b-sean", "sean"), ("z-spade", "spade"), ("a-spade", "spade"), ("pix", "pix2pix_unet"), ("cyc", "cyclegan_resnet"), ("sg", "stylegan2"), ("star", "stargan"), ("disc", "patchgan")):
        write_header_only(folder / f"{name}.safetensors", arch)
    (folder / "cut.safetensors").write_bytes(b"\x01\x02")
    return folder


def test_defaults_prefer_spade_and_cyclegan_then_go_by_name(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    library = ModelLibrary(None, bundled_folder(tmp_path))
    names = {ws: [e.name for e in library.defaults_for(ws)] for ws in ("paint", "latent", "attributes", "convert")}
    assert names == {
        "paint": ["a-spade.safetensors", "z-spade.safetensors", "b-sean.safetensors"],
        "latent": ["sg.safetensors"],
        "attributes": ["star.safetensors"],
        "convert": ["cyc.safetensors", "pix.safetensors"],
    }
    assert library.entry_for(str(tmp_path / "bundled" / "cut.safetensors")).error.startswith("unreadable")  # type: ignore[union-attr]


def test_the_bundled_folder_can_be_set_by_environment(qapp, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = bundled_folder(tmp_path)
    monkeypatch.setenv(BUNDLED_ENV, str(folder))
    assert ModelLibrary().bundled_folder == folder
    assert ModelLibrary(None, tmp_path / "given").bundled_folder == tmp_path / "given"  # an explicit folder wins


def test_remembered_model_comes_first_if_it_still_exists(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = bundled_folder(tmp_path)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    defaults = ModelDefaults(ModelLibrary(None, folder), settings)
    mine = write_header_only(tmp_path / "mine.safetensors", "sean")
    settings.setValue(last_model_key("paint"), str(mine))
    settings.setValue(last_model_key("convert"), str(folder / "pix.safetensors"))
    settings.setValue(last_model_key("latent"), str(tmp_path / "gone.safetensors"))
    assert [Path(p).name for p in defaults.candidates("paint")] == ["mine.safetensors", "a-spade.safetensors", "z-spade.safetensors", "b-sean.safetensors"]
    assert [Path(p).name for p in defaults.candidates("convert")] == ["pix.safetensors", "cyc.safetensors"]  # no duplicate
    assert [Path(p).name for p in defaults.candidates("latent")] == ["sg.safetensors"]
    settings.remove(last_model_key("paint"))
    settings.setValue(LEGACY_LAST_KEY, str(mine))  # the one "last model" of earlier versions was a painting model
    assert Path(defaults.candidates("paint")[0]).name == "mine.safetensors"
    assert Path(defaults.candidates("attributes")[0]).name == "star.safetensors"


def test_the_library_says_how_a_bundled_model_was_trained(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ganstudio.app.model_library import describe_model_file, training_summary

    provenance = {"recipe": "pix2pix", "iterations": 5000, "target_iterations": 20000, "batch": 4, "world_size": 1,
                  "wall_time_s": 3725, "device": "CPU (2 cores)", "trained_at": "2026-11-25T10:00:00+00:00",
                  "data_command": "-m trainer.cli make-data landscapes DATA --n 3000 --seed 3 --season summer --time-of-day day"}
    assert training_summary(provenance) == ("Trained with ganstudio-train (pix2pix): 5000 of 20000 planned iterations, batch 4; "
                                            "1 h 02 min on CPU (2 cores); 2026-11-25. Data: synthetic landscapes (summer, day), seed 3.")
    done = {"recipe": "cyclegan", "iterations": 10, "batch": 2, "world_size": 4, "data": "/data/horse2zebra"}
    assert training_summary(done) == "Trained with ganstudio-train (cyclegan): 10 iterations, batch 2 x 4 processes. Data: horse2zebra."
    assert training_summary(None) == "" and training_summary({"source": "official"}) == ""
    path = save_cyclegan(tmp_path / "m.safetensors", resolution=32)
    assert describe_model_file(path, "user").training == ""  # no trainer provenance: nothing claimed
