"""What the app's Train workspace asks the trainer, answered as JSON on stdout.

    python -m trainer.describe recipes                 # names and one-line help
    python -m trainer.describe options RECIPE          # every option of the recipe's parser
    python -m trainer.describe check RECIPE DATA       # what the recipe's dataset reader finds in DATA
    python -m trainer.describe gpus                    # CUDA devices and their memory use

The app may not import the trainer (it imports torch and every recipe), so the
workspace runs this in a child process; the options come from the recipe's own
argparse parser, never from a hand-kept list.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .cli import RECIPE_HELP, available_recipes, build_parser

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
MAX_VERIFIED = 2000  # files opened to find unreadable ones: a check of a huge folder stays a few seconds


def _recipe_parser(recipe: str) -> argparse.ArgumentParser:
    parser = build_parser(recipe)
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[recipe]


def _option(action: argparse.Action, group: str) -> dict[str, Any]:
    flag = max(action.option_strings, key=len)
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        kind = "flag"
    elif action.choices is not None:
        kind = "choice"
    elif action.type is float:
        kind = "float"
    elif action.type is int or getattr(action.type, "__name__", "") in ("positive_int", "_count", "_size"):
        kind = "int"
    else:
        kind = "text"
    default = action.default if isinstance(action.default, (int, float, str, bool, type(None))) else str(action.default)
    return {"flag": flag, "dest": action.dest, "kind": kind, "default": default, "required": bool(action.required),
            "choices": list(action.choices) if action.choices is not None else None,
            "help": (action.help or "").replace("%%", "%"), "group": group}


def recipe_options(recipe: str) -> list[dict[str, Any]]:
    """Every optional argument of `recipe` in parser order, with its group's title."""
    parser = _recipe_parser(recipe)
    groups = {id(a): g.title or "" for g in parser._action_groups for a in g._group_actions}
    return [_option(a, groups.get(id(a), "")) for a in parser._actions
            if a.option_strings and not isinstance(a, argparse._HelpAction)]


def _recipe_class(recipe: str) -> type:
    from .cli import load_recipe

    module = load_recipe(recipe)
    return next(v for v in vars(module).values()
                if isinstance(v, type) and getattr(v, "name", None) == recipe and v.__module__ == module.__name__)


def _census(data: Path) -> tuple[dict[str, int], list[str]]:
    """Images per folder (relative names) and the files that do not open as images."""
    from PIL import Image

    counts: dict[str, int] = {}
    problems: list[str] = []
    verified = 0
    for path in sorted(data.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        folder = str(path.parent.relative_to(data)) or "."
        counts[folder] = counts.get(folder, 0) + 1
        if verified < MAX_VERIFIED:
            verified += 1
            try:
                with Image.open(path) as image:
                    image.verify()
            except Exception as exc:  # noqa: BLE001 - any failure means the file is unusable; say which
                problems.append(f"{path.relative_to(data)}: not a readable image ({type(exc).__name__})")
    return counts, problems


def check_data(recipe: str, data: str) -> dict[str, Any]:
    """What `recipe` would train on in `data`: its dataset reader's item count and what it refused, a census of the images."""
    folder = Path(data)
    report: dict[str, Any] = {"recipe": recipe, "data": os.path.abspath(data), "ok": False, "items": 0, "folders": {},
                              "files": [], "problems": [], "summary": ""}
    if not folder.is_dir():
        report["problems"].append(f"{data} is not a folder")
        report["summary"] = "no such folder"
        return report
    report["folders"], report["problems"] = _census(folder)
    report["files"] = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix in (".txt", ".json"))
    import torch

    from .distributed import DistContext
    from .recipe import Runtime

    torch.set_num_threads(1)
    args = _recipe_parser(recipe).parse_args(["--data", data, "--out", os.devnull])
    try:
        dataset = _recipe_class(recipe)(args, Runtime(DistContext(device=torch.device("cpu")), "off")).build_dataset()
        report["items"] = len(dataset)
        report["reader"] = type(dataset).__name__
        if isinstance(getattr(dataset, "attributes", None), list):
            report["attributes"] = [str(a) for a in dataset.attributes]
        if isinstance(getattr(dataset, "num_classes", None), int):
            report["classes"] = [str(e.get("name", i)) for i, e in enumerate(getattr(dataset, "labels_meta", None) or [])] \
                or dataset.num_classes
        for side in ("domain_a", "domain_b"):  # unpaired readers: the images of each side
            if isinstance(getattr(dataset, side, None), list):
                report[side] = len(getattr(dataset, side))
        report["ok"] = report["items"] > 0
    except Exception as exc:  # noqa: BLE001 - the reader's own message says what is wrong with the folder
        report["problems"].insert(0, f"the {recipe} reader refused the folder: {exc}")
    images = sum(report["folders"].values())
    found = f"{report['items']} training items" if report["ok"] else "nothing the recipe can train on"
    report["summary"] = f"{found}; {images} images in {len(report['folders'])} folder(s); {len(report['problems'])} problem(s)"
    return report


def gpus() -> list[dict[str, Any]]:
    import torch

    if not torch.cuda.is_available():
        return []
    found = []
    for index in range(torch.cuda.device_count()):
        free, total = torch.cuda.mem_get_info(index)
        found.append({"index": index, "name": torch.cuda.get_device_name(index), "used_mb": (total - free) // 2**20,
                      "total_mb": total // 2**20})
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.describe", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("recipes")
    sub.add_parser("options").add_argument("recipe")
    check = sub.add_parser("check")
    check.add_argument("recipe")
    check.add_argument("data")
    sub.add_parser("gpus")
    args = parser.parse_args(argv)
    if args.what == "recipes":
        answer: Any = [{"name": n, "help": RECIPE_HELP.get(n, f"train {n}")} for n in available_recipes()]
    elif args.what == "options":
        answer = recipe_options(args.recipe)
    elif args.what == "check":
        answer = check_data(args.recipe, args.data)
    else:
        answer = gpus()
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
