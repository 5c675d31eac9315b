"""Choosing each workspace's start-up model from the bundled folder and the remembered settings (headers only, no torch)."""
from __future__ import annotations

import json
import struct
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal

from ganstudio.app.model_defaults import LEGACY_LAST_KEY, ModelDefaults, WorkspaceModel, last_model_key
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


class FakeWorkspace(QObject):
    changed = Signal(object)
    rejected = Signal(str, str)

    def __init__(self, name: str, loads: list[tuple[str, str]]) -> None:
        super().__init__()
        self.name, self.path, self.loads = name, "", loads

    def model(self) -> WorkspaceModel:
        return WorkspaceModel(self.name, lambda path: self.loads.append((self.name, Path(path).name)), self.changed, self.rejected, lambda: self.path)


def test_the_workspace_on_screen_loads_first_and_the_others_after_its_first_picture(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    defaults = ModelDefaults(ModelLibrary(None, bundled_folder(tmp_path)), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    loads: list[tuple[str, str]] = []
    fakes = {name: FakeWorkspace(name, loads) for name in ("paint", "latent", "convert")}
    for fake in fakes.values():
        defaults.add_workspace(fake.model())
    defaults.start(first="convert")
    assert loads == [("convert", "cyc.safetensors")]  # alone in the worker's queue: nothing runs before its picture
    fakes["convert"].changed.emit({"path": str(tmp_path / "bundled" / "cyc.safetensors")})
    assert defaults._fallback.isActive() and len(loads) == 1  # held until its picture (or the fallback)
    fakes["latent"].path = "chosen by hand meanwhile"
    defaults.release()
    assert loads == [("convert", "cyc.safetensors"), ("paint", "a-spade.safetensors")]  # latent got one by hand
    assert not defaults._fallback.isActive()
    defaults.release()  # once only
    assert len(loads) == 2


def test_the_others_load_when_nothing_can_be_shown_first(qapp, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import ganstudio.app.model_defaults as module

    defaults = ModelDefaults(ModelLibrary(None, bundled_folder(tmp_path)), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    defaults._fallback.setInterval(10)
    loads: list[tuple[str, str]] = []
    fakes = {name: FakeWorkspace(name, loads) for name in ("paint", "latent", "convert", "attributes")}
    for fake in fakes.values():
        defaults.add_workspace(fake.model())
    defaults.start(first="latent")
    assert loads == [("latent", "sg.safetensors")]
    fakes["latent"].rejected.emit(str(tmp_path / "bundled" / "sg.safetensors"), "broken")  # its only candidate failed
    assert [name for name, _ in loads] == ["latent", "paint", "convert", "attributes"]
    # a first workspace that loads but never asks for a picture holds the others at most FIRST_PICTURE_WAIT_MS
    loads.clear()
    for fake in fakes.values():
        fake.path = ""
    assert module.FIRST_PICTURE_WAIT_MS <= 5000
    defaults.start(first="paint")
    fakes["paint"].changed.emit({"path": str(tmp_path / "bundled" / "a-spade.safetensors")})
    qtbot.waitUntil(lambda: len(loads) == 4, timeout=5000)
    defaults.start(first="describe")  # a workspace with no model to load does not hold the others
    assert len(loads) == 8
