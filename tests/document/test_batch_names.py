"""Output names for folder conversion: templates, never an input, numbered instead of overwritten."""
from __future__ import annotations

from pathlib import Path

import pytest

from ganstudio.document.batch_names import TemplateError, check_template, list_images, output_name, safe_output_path


def test_template_fields_and_default_suffix() -> None:
    assert output_name("{stem}_{model}.jpg", "/a/photo.tif", 3, model="horse2zebra") == "photo_horse2zebra.jpg"
    assert output_name("{index:03d}-{direction}", "x.png", 7, direction="BtoA") == "007-BtoA.png"
    assert output_name("{name}.png", "x.webp", 1) == "x.webp.png"


@pytest.mark.parametrize("template, why", [("", "empty"), ("out/{stem}.png", "path"), ("{stem}_{colour}.png", "unknown"), ("fixed.png", "same name"), ("{stem}.gif", "PNG or JPEG"), ("{stem", "malformed")])
def test_bad_templates_are_refused_with_a_reason(template: str, why: str) -> None:
    with pytest.raises(TemplateError, match=why):
        check_template(template)


def test_outputs_never_replace_inputs_or_each_other(tmp_path: Path) -> None:
    source = tmp_path / "a.png"
    source.write_bytes(b"input")
    target = safe_output_path(tmp_path, "a.png", [source], overwrite=True)
    assert target == tmp_path / "a (2).png"
    (tmp_path / "b.png").write_bytes(b"old output")
    assert safe_output_path(tmp_path, "b.png", [source]) == tmp_path / "b (2).png"
    assert safe_output_path(tmp_path, "b.png", [source], overwrite=True) == tmp_path / "b.png"
    assert safe_output_path(tmp_path, "c.png", [source], taken=[str(tmp_path / "c.png")]) == tmp_path / "c (2).png"


def test_list_images_filters_by_suffix(tmp_path: Path) -> None:
    for name in ("b.JPG", "a.png", "notes.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub.png").mkdir()
    assert [p.name for p in list_images(tmp_path)] == ["a.png", "b.JPG"]
