"""The generic training loop shared by every recipe.

Seeding, data streaming, DDP, checkpoint/resume, SIGINT/SIGTERM handling, the
NaN guard, progress bar, CSV/TensorBoard logs, sample grids and the final
export to the native format.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import math
import os
import random
import re
import signal
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ganstudio.checkpoints import save_model

from . import checkpoint, distributed, export
from .data.sampler import ResumableSampler
from .recipe import LinearDecay, Recipe, Runtime


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last checkpoint was left as it was."""


@dataclass
class RunResult:
    iteration: int
    interrupted: bool
    out_dir: Path
    export_path: Path | None
    final_losses: dict[str, float] = field(default_factory=dict)
    recipe: Recipe | None = None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class DataStream:
    """Endless batches; knows its exact (epoch, batch) position for resume."""

    def __init__(self, dataset: Dataset, batch: int, ctx: distributed.DistContext, seed: int, workers: int, epoch: int = 0, batch_in_epoch: int = 0) -> None:
        self.dataset, self.batch, self.ctx, self.seed, self.workers = dataset, batch, ctx, seed, workers
        self.epoch, self.batch_in_epoch = epoch, batch_in_epoch
        per_epoch = ResumableSampler(len(dataset), ctx.rank, ctx.world_size, seed).samples_per_epoch
        self.batches_per_epoch = per_epoch // batch
        if self.batches_per_epoch == 0:
            raise ValueError(f"the dataset has {len(dataset)} usable items: too few for --batch {batch} on {ctx.world_size} process(es)")
        self._iterator: Iterator | None = None

    def _open(self) -> Iterator:
        sampler = ResumableSampler(len(self.dataset), self.ctx.rank, self.ctx.world_size, self.seed, self.epoch, self.batch_in_epoch * self.batch)
        loader = DataLoader(self.dataset, batch_size=self.batch, sampler=sampler, drop_last=True, num_workers=self.workers,
                            pin_memory=self.ctx.device.type == "cuda")
        return iter(loader)

    def next(self) -> dict[str, torch.Tensor]:
        if self.batch_in_epoch >= self.batches_per_epoch:
            self.epoch, self.batch_in_epoch, self._iterator = self.epoch + 1, 0, None
        if self._iterator is None:
            self._iterator = self._open()
        batch = next(self._iterator)
        self.batch_in_epoch += 1
        return batch


class StopRequest:
    """SIGINT/SIGTERM set a flag; the loop checkpoints and stops at the end of the iteration."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "StopRequest":
        if hasattr(signal, "SIGTERM") and _in_main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.signal is not None and signum == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: stop now
        self.signal = signum

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class LossLog:
    """OUT/losses.csv (one row per logged iteration) and TensorBoard when installed."""

    def __init__(self, path: Path, names: tuple[str, ...], resume_iteration: int | None, tag: str = "loss") -> None:
        self.path, self.names, self.tag = path, names, tag
        kept: list[list[str]] = []
        if resume_iteration is not None and path.is_file():
            with path.open(newline="") as handle:
                rows = list(csv.reader(handle))
            kept = [r for r in rows[1:] if r and r[0].isdigit() and int(r[0]) <= resume_iteration]
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["iteration", "seconds", *names])
            writer.writerows(kept)
        self.tensorboard = None
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tensorboard = SummaryWriter(log_dir=str(path.parent / "tensorboard"))
        except ImportError:
            pass
        self.start = time.perf_counter()

    def write(self, iteration: int, losses: dict[str, float]) -> None:
        with self.path.open("a", newline="") as handle:
            csv.writer(handle).writerow([iteration, f"{time.perf_counter() - self.start:.3f}",
                                         *[("" if n not in losses else f"{losses[n]:.6g}") for n in self.names]])
        if self.tensorboard is not None:
            for name, value in losses.items():
                self.tensorboard.add_scalar(f"{self.tag}/{name}", value, iteration)

    def close(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()


def _fixed_batch(dataset: Dataset, count: int) -> dict[str, torch.Tensor]:
    """The same few items every time, unaugmented-random: for comparable sample grids."""
    items = [dataset[(i % len(dataset), i)] for i in range(count)]
    return torch.utils.data.default_collate(items)


class Trainer:
    """Runs one recipe from args. `on_iteration(iteration)` is called after each
    completed iteration (tests use it to interrupt a run)."""

    def __init__(self, recipe_cls: type[Recipe], args: argparse.Namespace, on_iteration: Callable[[int], None] | None = None) -> None:
        self.recipe_cls, self.args, self.on_iteration = recipe_cls, args, on_iteration
        self._wall_before = 0.0  # training seconds of the earlier sessions of a resumed run
        self._started = time.perf_counter()

    def run(self) -> RunResult:
        args = self.args
        ctx = distributed.init(args.device)
        try:
            return self._run(ctx)
        finally:
            distributed.shutdown(ctx)

    def _run(self, ctx: distributed.DistContext) -> RunResult:
        args = self.args
        out = Path(args.out)
        ckpt_path = out / checkpoint.CHECKPOINT_NAME
        if ctx.is_main:
            out.mkdir(parents=True, exist_ok=True)
        if ckpt_path.is_file() and not args.resume:
            raise FileExistsError(f"{ckpt_path} exists: pass --resume to continue it, or choose another --out")
        if ctx.device.type == "cuda":
            torch.backends.cudnn.benchmark = not args.deterministic
            torch.backends.cudnn.deterministic = args.deterministic
            torch.backends.cuda.matmul.allow_tf32 = not args.deterministic
            torch.backends.cudnn.allow_tf32 = not args.deterministic

        # Same seed on every rank for identical initial weights, then per-rank streams.
        seed_everything(args.seed)
        runtime = Runtime(ctx, args.amp, getattr(args, "precision", "fp32"))
        recipe = self.recipe_cls(args, runtime)
        dataset = recipe.build_dataset()
        recipe.build(dataset)
        if getattr(args, "init", None):
            if args.resume and ckpt_path.is_file():
                self._say(ctx, f"--init {args.init} ignored: resuming {ckpt_path}")
            else:
                self._init_weights(recipe, ctx)
        recipe.wrap(ctx)
        seed_everything(args.seed + 7919 * ctx.rank)

        iteration, epoch, batch_in_epoch = 0, 0, 0
        last_losses: dict[str, float] = {}
        resumed = False
        self._started = time.perf_counter()
        if args.resume and ckpt_path.is_file():
            state = checkpoint.load(ckpt_path)
            self._restore(recipe, runtime, state, ctx)
            iteration, epoch, batch_in_epoch = state["iteration"], state["epoch"], state["batch_in_epoch"]
            # older checkpoints kept no image count: their runs never changed --batch
            recipe.images_seen = int(state.get("images_seen", iteration * args.batch * state.get("world_size", ctx.world_size)))
            last_losses = dict(state.get("losses", {}))
            self._wall_before = float(state.get("wall_time_s", 0.0))
            resumed = True
        elif args.resume:
            self._say(ctx, f"no checkpoint in {out}; starting from scratch")

        stream = DataStream(dataset, args.batch, ctx, args.seed, args.workers, epoch, batch_in_epoch)
        log = LossLog(out / "losses.csv", (*recipe.loss_names, "kimg"), iteration if resumed else None) if ctx.is_main else None
        fixed = _fixed_batch(dataset, min(8, len(dataset))) if ctx.is_main and args.sample_every > 0 else None
        eval_every = getattr(args, "eval_every", 0)
        evaluation = eval_log = None
        if ctx.is_main and eval_every > 0:
            from .interval_eval import IntervalEvaluation

            evaluation = IntervalEvaluation(args, dataset, _fixed_batch)
            eval_log = LossLog(out / "evaluation.csv", ("kimg", "fd"), iteration if resumed else None, tag="eval")
        progress = self._progress(ctx, iteration)
        losses: dict[str, float] = last_losses
        # what the optimizers step (synchronised by DDP's gradients); average_buffers evens out the rest
        stepped = {id(p) for optimizer in recipe.optimizers.values() for group in optimizer.param_groups for p in group["params"]}
        interrupted = False
        try:
            with StopRequest() as stop:
                while iteration < args.iters:
                    batch = runtime.to_device(stream.next())
                    step_losses = recipe.train_step(batch, iteration)
                    runtime.end_iteration()
                    if recipe.diffaugment and recipe.augment_calls == 0:
                        raise ValueError(f"--diffaugment: the {recipe.name} recipe does not pass its discriminator's inputs "
                                         "through Recipe.augment_d, so it cannot use DiffAugment")
                    recipe.images_seen += args.batch * ctx.world_size
                    with warnings.catch_warnings():
                        # Schedules count iterations; an optimiser that skipped this
                        # iteration (StarGAN's G between critic steps) still follows them.
                        warnings.filterwarnings("ignore", message=re.escape("Detected call of `lr_scheduler.step()` before"))
                        for scheduler in recipe.schedulers.values():
                            scheduler.step()
                    iteration += 1
                    values = torch.stack([v.detach().float().reshape(()) for v in step_losses.values()]).cpu() if step_losses else torch.zeros(0)
                    bad = not bool(torch.isfinite(values).all())
                    if distributed.any_rank(bad, ctx):
                        raise TrainingDiverged(self._diverged_message(step_losses, values, iteration, ckpt_path))
                    step_values = dict(zip(step_losses, values.tolist()))
                    losses.update(step_values)  # the latest value of every term, for the provenance
                    distributed.average_buffers(recipe.nets.values(), ctx, stepped)
                    if self.on_iteration is not None:
                        self.on_iteration(iteration)
                    stopping = distributed.any_rank(stop.signal is not None, ctx)

                    if log is not None and (iteration % args.log_every == 0 or iteration == args.iters):
                        log.write(iteration, {**step_values, "kimg": recipe.images_seen / 1000})
                    if progress is not None:
                        progress.update(1)
                        progress.set_postfix({k: f"{v:.3g}" for k, v in list(step_values.items())[:4]}, refresh=False)
                    if fixed is not None and (iteration % args.sample_every == 0 or iteration == args.iters):
                        grid = self._write_samples(recipe, runtime, fixed, out / "samples" / f"iter_{iteration:07d}.png")
                        if log is not None and log.tensorboard is not None:
                            log.tensorboard.add_image("samples", grid, iteration)
                    if evaluation is not None and eval_log is not None and (iteration % eval_every == 0 or iteration == args.iters):
                        figures = evaluation(recipe, runtime)
                        if figures is not None:
                            eval_log.write(iteration, {"kimg": recipe.images_seen / 1000, **figures})
                            self._say(ctx, f"iteration {iteration} ({recipe.images_seen / 1000:.1f} kimg): Frechet distance {figures['fd']:.4g}")
                    if stopping or iteration % args.checkpoint_every == 0 or iteration == args.iters:
                        self._save(recipe, runtime, ctx, ckpt_path, iteration, stream, losses)
                    if stopping:
                        interrupted = True
                        self._say(ctx, f"stopped by signal at iteration {iteration}; checkpoint saved to {ckpt_path}; continue with --resume")
                        break
        finally:
            if progress is not None:
                progress.close()
            if log is not None:
                log.close()
            if eval_log is not None:
                eval_log.close()

        export_path = None
        if not interrupted and ctx.is_main:
            export_path = self._export(recipe, ctx, iteration, losses)
        distributed.barrier(ctx)
        return RunResult(iteration, interrupted, out, export_path, losses, recipe)

    def _wall_time(self) -> float:
        return self._wall_before + (time.perf_counter() - self._started)

    def _export(self, recipe: Recipe, ctx: distributed.DistContext, iteration: int, losses: dict[str, float]) -> Path:
        """Write the model with its provenance and say where: OUT/<run name>.safetensors unless --export."""
        args = self.args
        export_path = Path(args.export) if args.export else export.default_export_path(args.out)
        module, parts, meta = recipe.export()
        dtype, why = export.storage_dtype(getattr(args, "export_dtype", "float16"), [module, *parts.values()])
        if why:
            self._say(ctx, f"note: {why}")
        meta["provenance"] = {
            **meta.get("provenance", {}),  # what the recipe adds (the encoder: its generator's file and sha256)
            "recipe": recipe.name,
            "name": export.run_name(args.out),
            "data": os.path.abspath(args.data) if args.data else None,  # the encoder may train on generated images only
            "iterations": iteration,
            "batch": args.batch,
            "world_size": ctx.world_size,
            "seed": args.seed,
            "final_losses": losses,
            "trained_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "wall_time_s": round(self._wall_time()),
            "device": export.device_name(ctx.device),
            "options": {k: (v if isinstance(v, (int, float, str, bool, type(None))) else str(v)) for k, v in vars(args).items() if k != "func"},
        }
        domains = recipe.domains()
        if domains:
            meta["provenance"]["domains"] = domains
        save_model(module, export_path, parts=parts or None, dtype=dtype, **meta)
        weights = sum(v.numel() for net in (module, *parts.values()) for v in net.state_dict().values() if v.is_floating_point())
        # the last line of a run: which file to open in the app (stdout, so scripts can take it)
        print(f"Model saved: {export_path} ({export.describe_size(export_path, weights, dtype)})", flush=True)
        return export_path

    # -- helpers --------------------------------------------------------------
    @staticmethod
    def _say(ctx: distributed.DistContext, message: str) -> None:
        if ctx.is_main:
            print(message, file=sys.stderr, flush=True)

    def _progress(self, ctx: distributed.DistContext, start: int) -> Any:
        if not ctx.is_main or self.args.no_progress:
            return None
        from tqdm import tqdm

        return tqdm(total=self.args.iters, initial=start, unit="it", dynamic_ncols=True, desc=self.recipe_cls.name)

    @staticmethod
    def _diverged_message(step_losses: dict[str, torch.Tensor], values: torch.Tensor, iteration: int, ckpt_path: Path) -> str:
        bad = [f"{name}={value}" for name, value in zip(step_losses, values.tolist()) if not math.isfinite(value)]
        kept = f"the last good checkpoint {ckpt_path} was kept" if ckpt_path.is_file() else "no checkpoint had been written yet"
        return (f"training diverged at iteration {iteration}: {', '.join(bad) or 'a loss on another process'} is not finite; "
                f"{kept}. Try a lower --lr, or --amp off.")

    def _save(self, recipe: Recipe, runtime: Runtime, ctx: distributed.DistContext, path: Path, iteration: int, stream: DataStream,
              losses: dict[str, float]) -> None:
        rng = distributed.gather_objects(checkpoint.rng_state(), ctx)
        if ctx.is_main:
            state = {
                "recipe": recipe.name,
                "iteration": iteration,
                "images_seen": recipe.images_seen,
                "epoch": stream.epoch,
                "batch_in_epoch": stream.batch_in_epoch,
                "world_size": ctx.world_size,
                "nets": {name: net.state_dict() for name, net in recipe.nets.items()},
                "optimizers": {name: opt.state_dict() for name, opt in recipe.optimizers.items()},
                "schedulers": {name: s.state_dict() for name, s in recipe.schedulers.items()},
                "scaler": runtime.scaler.state_dict() if runtime.scaler else None,
                "extra": recipe.extra_state(),
                "rng": rng,
                "losses": dict(losses),  # the latest value of each term, for the export's provenance
                "wall_time_s": self._wall_time(),  # so a resumed run's provenance counts every session
            }
            checkpoint.save(path, state)
        distributed.barrier(ctx)

    def _restore(self, recipe: Recipe, runtime: Runtime, state: dict[str, Any], ctx: distributed.DistContext) -> None:
        if state["recipe"] != recipe.name:
            raise ValueError(f"the checkpoint is from the {state['recipe']} recipe, not {recipe.name}")
        for name, net in recipe.nets.items():
            net.load_state_dict(state["nets"][name])
        for name, opt in recipe.optimizers.items():
            opt.load_state_dict(state["optimizers"][name])
        for name, scheduler in recipe.schedulers.items():
            # keep the schedule of the current options, so a resume may extend --iters
            schedules = [f for f in getattr(scheduler, "lr_lambdas", []) if isinstance(f, LinearDecay)]
            current = [dict(vars(f)) for f in schedules]
            scheduler.load_state_dict(state["schedulers"][name])
            for schedule, options in zip(schedules, current):
                vars(schedule).update(options)
        if runtime.scaler and state.get("scaler"):
            runtime.scaler.load_state_dict(state["scaler"])
        recipe.load_extra_state(state["extra"])
        rngs = state["rng"]
        if len(rngs) == ctx.world_size:
            checkpoint.set_rng_state(rngs[ctx.rank])
        else:
            self._say(ctx, f"resuming on {ctx.world_size} process(es) from a {len(rngs)}-process checkpoint: random streams restart")
        self._say(ctx, f"resumed from iteration {state['iteration']}")

    def _init_weights(self, recipe: Recipe, ctx: distributed.DistContext) -> None:
        """--init: the recipe's networks from a model file, before any training; says which stayed fresh."""
        from ganstudio.checkpoints import CheckpointError

        try:
            filled = recipe.init_weights(self.args.init)
        except CheckpointError as exc:
            raise ValueError(f"--init: {exc}") from exc
        if not filled:
            raise ValueError(f"--init {self.args.init}: the file holds none of the {recipe.name} recipe's networks ({', '.join(recipe.nets)})")
        fresh = [name for name in recipe.nets if name not in filled]
        fresh_text = f"; {', '.join(fresh)} {'starts' if len(fresh) == 1 else 'start'} fresh (not in the file)" if fresh else ""
        self._say(ctx, f"initialised {', '.join(filled)} from {self.args.init}{fresh_text}")

    @staticmethod
    def _write_samples(recipe: Recipe, runtime: Runtime, batch: dict[str, torch.Tensor], path: Path) -> torch.Tensor:
        """Samples in eval mode with the RNG forked, so writing them never changes training."""
        from torchvision.utils import save_image

        modes = {name: net.training for name, net in recipe.nets.items()}
        devices = [runtime.device] if runtime.cuda else []
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            for net in recipe.nets.values():
                net.eval()
            try:
                images, per_row = recipe.sample(runtime.to_device(batch))
            finally:
                for name, net in recipe.nets.items():
                    net.train(modes[name])
        from torchvision.utils import make_grid

        path.parent.mkdir(parents=True, exist_ok=True)
        grid = make_grid(((images.float().cpu() + 1) / 2).clamp(0, 1), nrow=per_row, padding=2)
        save_image(grid, path)
        return grid


def run_recipe(recipe_cls: type[Recipe], args: argparse.Namespace, on_iteration: Callable[[int], None] | None = None) -> RunResult:
    return Trainer(recipe_cls, args, on_iteration).run()


def cli_run(recipe_cls: type[Recipe], args: argparse.Namespace) -> int:
    """Entry used by the recipes' run(): exit status 0 done, 1 diverged, 2 unusable
    data or options, 130 interrupted."""
    try:
        result = run_recipe(recipe_cls, args)
    except TrainingDiverged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 130 if result.interrupted else 0
