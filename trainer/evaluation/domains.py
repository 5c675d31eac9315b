"""CycleGAN summer <-> winter: cycle error, and whether the translation reaches the other season."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganstudio.checkpoints.loaded import LoadedModel
from trainer.evaluation import heldout, measure_nets
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, fmt
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import colour_shift, mean_abs_error


def _translate(net: torch.nn.Module, images: np.ndarray, batch: int) -> np.ndarray:
    with torch.inference_mode():
        return np.concatenate([heldout.to_uint8(net(heldout.to_tensor(images[i:i + batch]))) for i in range(0, len(images), batch)])


# (summer -> winter, back to summer, winter -> summer, back to winter) images of one mapping
Outcome = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
QUALITY_COLUMNS = ["mapping", "cycle error S→W→S ↓", "cycle error W→S→W ↓", "S→W seen as winter (%) ↑", "W→S seen as summer (%) ↑",
                   "colour shift S→W", "colour shift W→S"]


@dataclass
class SeasonTest:
    """Held-out summer and winter photos, the season classifier and the seasons' mean images: what every
    summer <-> winter model (CycleGAN, MUNIT, UNIT) is scored with."""

    summer: np.ndarray
    winter: np.ndarray
    accuracy: float  # the season classifier's on these photos
    mean_summer: np.ndarray  # float, 0..255, from the classifier's (non-test) data seed
    mean_winter: np.ndarray
    season_net: torch.nn.Module

    def p_winter(self, images: np.ndarray) -> np.ndarray:
        return measure_nets.run_batched(self.season_net, images)[:, 0] > 0

    def baselines(self) -> dict[str, Outcome]:
        """Identity (no cycle error, never the other season) and each target season's mean image (forgets the photo)."""
        def flat(mean: np.ndarray, like: np.ndarray) -> np.ndarray:
            return np.broadcast_to(np.round(mean).astype(np.uint8), like.shape)

        summer, winter = self.summer, self.winter
        return {"baseline: identity": (summer, summer, winter, winter),
                "baseline: mean image of the target season": (flat(self.mean_winter, summer), flat(self.mean_summer, summer),
                                                               flat(self.mean_summer, winter), flat(self.mean_winter, winter))}

    def score(self, outcomes: dict[str, Outcome]) -> tuple[list[list[str]], dict[str, dict[str, float]]]:
        """Table rows and figures per mapping: cycle errors, how often the target season is seen, colour shifts."""
        colour_s, colour_w = self.mean_summer.mean(axis=(0, 1)), self.mean_winter.mean(axis=(0, 1))
        rows, figures = [], {}
        for label, (sw, sws, ws, wsw) in outcomes.items():
            f = {"cycle_summer": mean_abs_error(sws, self.summer), "cycle_winter": mean_abs_error(wsw, self.winter),
                 "seen_winter": float(self.p_winter(sw).mean()), "seen_summer": float(1.0 - self.p_winter(ws).mean()),
                 "shift_to_winter": colour_shift(self.summer, sw, colour_s, colour_w),
                 "shift_to_summer": colour_shift(self.winter, ws, colour_w, colour_s)}
            figures[label] = f
            rows.append([label, fmt(f["cycle_summer"]), fmt(f["cycle_winter"]), fmt(100 * f["seen_winter"], 1),
                         fmt(100 * f["seen_summer"], 1), fmt(f["shift_to_winter"]), fmt(f["shift_to_summer"])])
        return rows, figures


def season_test(ctx: EvalContext, size: int) -> SeasonTest:
    s = ctx.settings
    summer = measure_nets.season_images(heldout.HELDOUT_LANDSCAPE_SEED, s.n_cycle, "summer", size, heldout.SUMMER_FIRST_INDEX)
    winter = measure_nets.season_images(heldout.HELDOUT_LANDSCAPE_SEED, s.n_cycle, "winter", size, heldout.WINTER_FIRST_INDEX)
    season_net = ctx.season_classifier(size)
    accuracy = ctx.record_season_accuracy(size, summer, winter)
    mean_summer = measure_nets.season_images(heldout.MEASURE_LANDSCAPE_SEED, s.n_stats, "summer", size, 500_000).astype(np.float64).mean(0)
    mean_winter = measure_nets.season_images(heldout.MEASURE_LANDSCAPE_SEED, s.n_stats, "winter", size, 600_000).astype(np.float64).mean(0)
    return SeasonTest(summer, winter, accuracy, mean_summer, mean_winter, season_net)


def evaluate_cyclegan(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.resolution or 64)
    if "reverse" not in model.parts:
        raise ValueError(f"{name}: the CycleGAN file has no 'reverse' (winter -> summer) part")
    to_winter, to_summer = model.module, model.parts["reverse"].module
    test = season_test(ctx, size)
    summer, winter, accuracy = test.summer, test.winter, test.accuracy
    fake_w = _translate(to_winter, summer, s.batch)
    fake_s = _translate(to_summer, winter, s.batch)
    outcomes = {name: (fake_w, _translate(to_summer, fake_w, s.batch), fake_s, _translate(to_winter, fake_s, s.batch)), **test.baselines()}
    rows, figures = test.score(outcomes)
    figures["season_classifier_accuracy"] = accuracy
    tables = [Table(
        f"Held-out quality ({s.n_cycle} summer and {s.n_cycle} winter photos, {size} px)", QUALITY_COLUMNS, rows,
        "Cycle error: mean absolute difference (0–255) between a photo and its round trip. 'Seen as': the share of "
        f"translations a summer/winter classifier (held-out accuracy {fmt(100 * accuracy, 1)} %) assigns to the target season. "
        "Colour shift: how far the mean colour moved towards the target season's mean colour (0 = not at all, 1 = the "
        "full difference between the seasons' mean colours). Identity has no cycle error but never changes season; "
        "the mean image changes season but forgets the photo.")]
    rows = []
    for i in range(min(s.n_grid, len(summer))):
        back_s = outcomes[name][1][i]
        back_w = outcomes[name][3][i]
        rows.append([summer[i], fake_w[i], back_s, winter[i], fake_s[i], back_w])
    caption = "Columns: summer | → winter | → back to summer | winter | → summer | → back to winter."
    return ModelEvaluation(name, model.arch, "cyclegan", tables, tile_grid(rows), caption, figures)
