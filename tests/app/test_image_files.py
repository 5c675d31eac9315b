"""The file steps shared by the image workspaces: each refusal says why through the notice."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ganstudio.app.image_files import folder_inputs, open_photo, write_result
from ganstudio.document.image_io import read_photo


def test_open_photo_shows_the_pixels_then_reports_what_was_adjusted(tmp_path: Path) -> None:
    path = tmp_path / "gray16.png"
    Image.fromarray(np.full((6, 5), 40000, dtype=np.uint16)).save(path)
    events: list[tuple[str, object]] = []
    assert open_photo(path, lambda pixels, p, notes: events.append(("show", (pixels.shape, p))), lambda m: events.append(("notice", m)), "photo")
    assert events[0] == ("show", ((6, 5, 3), str(path)))
    assert events[1][0] == "notice" and "gray16.png: " in str(events[1][1])


def test_open_photo_names_what_it_could_not_open(tmp_path: Path) -> None:
    notices: list[str] = []
    assert not open_photo(tmp_path / "missing.png", lambda *_: None, notices.append, "image")
    assert notices[0].startswith("Cannot open the image: ")


def test_write_result_never_overwrites_the_source_and_names_a_failed_step(tmp_path: Path) -> None:
    pixels = np.zeros((4, 4, 3), np.uint8)
    source = tmp_path / "source.png"
    Image.fromarray(pixels).save(source)
    notices: list[str] = []
    assert not write_result(source, pixels, {}, notices.append, source_path=str(source), source_name="input image", action="save")
    assert notices == ["Choose another name: the input image is never overwritten"]
    assert not write_result(tmp_path / "no-such-folder" / "out.png", pixels, {}, notices.append, source_path=str(source), source_name="input image", action="export")
    assert notices[1].startswith("Cannot export: ")
    out = tmp_path / "out.png"
    assert write_result(out, pixels, {"model": "m"}, notices.append, source_path=str(source), source_name="input image", action="save")
    assert read_photo(out).size == (4, 4) and len(notices) == 2


def test_folder_inputs_checks_the_template_and_the_folder(tmp_path: Path) -> None:
    notices: list[str] = []
    assert folder_inputs(tmp_path, "{stem}_{bogus}.png", notices.append) is None
    assert notices[-1].startswith("Output names: unknown field")
    assert folder_inputs(tmp_path / "missing", "{stem}.png", notices.append) is None
    assert notices[-1].startswith(f"Cannot read the folder {tmp_path / 'missing'}")
    assert folder_inputs(tmp_path, "{stem}.png", notices.append) is None
    assert notices[-1] == f"There are no image files in {tmp_path}"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "b.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "a.png")
    assert folder_inputs(tmp_path, "{stem}_out.png", notices.append) == (str(tmp_path / "a.png"), str(tmp_path / "b.png"))
    assert len(notices) == 3
