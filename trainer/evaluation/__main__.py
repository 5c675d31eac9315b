"""python -m trainer.evaluation --models resources/models --out docs"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from typing import Callable

from ganstudio import families
from ganstudio.checkpoints import load_model
from ganstudio.checkpoints.loaded import LoadedModel
from trainer.defaults import DEFAULTS
from trainer.evaluation.context import EvalContext, ModelEvaluation, Settings
from trainer.evaluation.grids import save_grid
from trainer.evaluation.provenance import training_record
from trainer.evaluation.report import write_page
from trainer.defaults import WORK_DIR
from trainer.export import find_export

Evaluator = Callable[[str, LoadedModel, EvalContext], ModelEvaluation]


def _resolve(target: str) -> Evaluator:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


# main architecture -> its evaluation, as each family declares it (ganstudio.families)
EVALUATORS: dict[str, Evaluator] = {arch: _resolve(target) for arch, target in families.evaluations().items()}
IMAGE_DIR = "images/models"


def find_models(models: Path, only: list[str] | None) -> dict[str, Path]:
    """NAME -> file: `models/NAME.safetensors` or a run folder's export (`models/NAME/NAME.safetensors`, or
    `models/NAME/model.safetensors` from older runs), defaults' order first."""
    found = {p.stem: p for p in models.glob("*.safetensors")}
    found.update({run.name: export for run in models.iterdir() if run.is_dir() and (export := find_export(run)) is not None})
    order = [m.name for m in DEFAULTS]
    names = sorted(found, key=lambda n: (order.index(n) if n in order else len(order), n))
    return {n: found[n] for n in names if not only or n in only}


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False)) / "evaluation"


def evaluate_all(models: Path, work: Path | None, out: Path, settings: Settings, only: list[str] | None = None,
                 command: str = "", log: Callable[[str], None] = print) -> Path:
    """Evaluate every model under `models`, write out/images/models/NAME.png and out/models.md."""
    started = time.time()
    files = find_models(models, only)
    if not files:
        raise FileNotFoundError(f"no .safetensors models in {models}")
    ctx = EvalContext(settings)
    evaluations, records = [], {}
    for name, path in files.items():
        model = load_model(path)
        evaluator = EVALUATORS.get(model.arch)
        if evaluator is None:
            log(f"{name}: no evaluation for architecture {model.arch}, skipped")
            continue
        t = time.time()
        ev = evaluator(name, model, ctx)
        save_grid(ev.grid, out / IMAGE_DIR / f"{name}.png")
        evaluations.append(ev)
        records[name] = training_record(name, model, work)
        log(f"{name}: evaluated in {time.time() - t:.0f} s")
    page = write_page(evaluations, records, ctx.measurements, out, command, time.time() - started,
                      {ev.name: files[ev.name] for ev in evaluations}, IMAGE_DIR)
    log(f"wrote {page} in {time.time() - started:.0f} s")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.evaluation", description=__doc__)
    parser.add_argument("--models", type=Path, default=Path("resources/models"), help="folder of NAME.safetensors (or run folders NAME/ with their export)")
    parser.add_argument("--work", type=Path, default=WORK_DIR, help=f"run folders with NAME/train.json: wall time, device (default {WORK_DIR})")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where models.md and images/models/ are written")
    parser.add_argument("--only", nargs="+", help="evaluate only these model names")
    parser.add_argument("--cache", type=Path, default=None, help=f"cache of the measurement networks (default {default_cache_dir()})")
    parser.add_argument("--no-cache", action="store_true", help="always retrain the measurement networks")
    parser.add_argument("--tiny", action="store_true", help="a few images per figure: checks the pipeline in seconds, figures meaningless")
    args = parser.parse_args(argv)
    cache = None if args.no_cache else (args.cache or default_cache_dir())
    settings = Settings.tiny(cache) if args.tiny else Settings(cache_dir=cache)
    argv_text = " ".join(sys.argv[1:] if argv is None else argv)
    command = f"python -m trainer.evaluation {argv_text}".strip()
    evaluate_all(args.models, args.work if args.work.exists() else None, args.out, settings, args.only, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
