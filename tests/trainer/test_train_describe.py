"""trainer.describe: what the app's Train workspace learns about a recipe and a data folder, in the trainer's own terms."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from trainer.describe import _recipe_parser, check_data, main, recipe_options

from train_helpers import make_image_folder


def test_options_are_every_option_of_the_recipes_parser(capsys) -> None:  # type: ignore[no-untyped-def]
    options = recipe_options("dcgan")
    parser = _recipe_parser("dcgan")
    expected = [max(a.option_strings, key=len) for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]
    assert [o["flag"] for o in options] == expected
    by_flag = {o["flag"]: o for o in options}
    assert by_flag["--z-dim"] == {**by_flag["--z-dim"], "kind": "int", "default": 100, "group": "dcgan"}
    assert by_flag["--amp"]["kind"] == "choice" and "bf16" in by_flag["--amp"]["choices"]
    assert by_flag["--no-flip"]["kind"] == "flag" and by_flag["--lr"]["kind"] == "float" and by_flag["--data"]["required"]
    main(["recipes"])
    names = [r["name"] for r in json.loads(capsys.readouterr().out)]
    assert "dcgan" in names and "pix2pix" in names


def test_check_counts_items_and_names_unreadable_files(tmp_path: Path) -> None:
    folder = make_image_folder(tmp_path / "data", count=3)
    (folder / "broken.png").write_bytes(b"no image")
    report = check_data("dcgan", str(folder))
    assert report["reader"] == "ImageFolderDataset" and report["folders"] == {".": 4}
    assert report["problems"] == ["broken.png: not a readable image (UnidentifiedImageError)"]
    refused = check_data("cyclegan", str(folder))  # no trainA/trainB
    assert not refused["ok"] and "cyclegan reader refused the folder" in refused["problems"][0]
    assert check_data("dcgan", str(tmp_path / "missing"))["problems"] == [f"{tmp_path / 'missing'} is not a folder"]
