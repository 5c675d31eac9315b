"""--eval-every: the Frechet distance between generated and training images during a run,
in the features of GAN Studio's own measurement networks (trainer.evaluation.measure_nets),
so a user sees from OUT/evaluation.csv or TensorBoard when the model stops improving."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.utils.data import Dataset

from .recipe import Recipe, Runtime

# images and epochs behind each measurement network: those of the bundled models' evaluation
# (trainer.evaluation.context.Settings), so both share one cached network
FEATURE_TRAINING = {"landscapes": (2000, 8), "faces": (4000, 6)}


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("ganstudio", appauthor=False)) / "evaluation"


def feature_network(kind: str, size: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """The penultimate layer of the measurement network for `kind` at `size` px (trained once, cached)."""
    from trainer.evaluation import measure_nets

    n, epochs = FEATURE_TRAINING[kind]
    make = measure_nets.landscape_feature_net if kind == "landscapes" else measure_nets.face_attribute_classifier
    return make(size, n, epochs, default_cache_dir()).eval().features


class IntervalEvaluation:
    """Generates from a fixed set of training items with the RNG forked (so measuring never
    changes the run) and returns {"fd": distance}."""

    def __init__(self, args: argparse.Namespace, dataset: Dataset, fixed_batch: Callable[[Dataset, int], dict[str, Any]]) -> None:
        self.args = args
        self.items = fixed_batch(dataset, min(args.eval_images, len(dataset)))
        self._features: Callable[[torch.Tensor], torch.Tensor] | None = None

    def features(self, images: torch.Tensor) -> np.ndarray:
        from trainer.evaluation import heldout, measure_nets

        if self._features is None:
            self._features = feature_network(self.args.eval_features, images.shape[-1])
        return measure_nets.run_batched(self._features, heldout.to_uint8(images))

    def __call__(self, recipe: Recipe, runtime: Runtime) -> dict[str, float] | None:
        from trainer.evaluation.metrics import frechet_distance

        count = len(next(iter(self.items.values())))
        step = self.args.batch
        fakes, reals = [], []
        modes = {name: net.training for name, net in recipe.nets.items()}
        devices = [runtime.device] if runtime.cuda else []
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            torch.manual_seed(0)  # the same draws at every evaluation
            for net in recipe.nets.values():
                net.eval()
            try:
                for start in range(0, count, step):
                    chunk = {k: (v[start:start + step] if isinstance(v, torch.Tensor) else v) for k, v in self.items.items()}
                    pair = recipe.evaluation_pair(runtime.to_device(chunk))
                    if pair is None:
                        return None
                    fakes.append(pair[0].float().cpu())
                    reals.append(pair[1].float().cpu())
            finally:
                for name, net in recipe.nets.items():
                    net.train(modes[name])
            # inside the fork too: building the feature network draws its initial weights
            return {"fd": frechet_distance(self.features(torch.cat(fakes)), self.features(torch.cat(reals)))}
