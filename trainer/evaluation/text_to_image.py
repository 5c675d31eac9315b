"""Text-to-image models (GAN-INT-CLS, GigaGAN-style): does the picture show what the sentence says?

Held-out captions only: landscapes (or faces) of a held-out data seed whose combination
of facts is one that make-data keeps out of training (trainer/synthetic/captions.py), so
every caption asks for something the model never saw together. Each caption names
checkable content: classes (mountains, snow, water, trees, sand, rock) and a season and
time of day for landscapes; seven attributes for faces. A generated picture is scored by
measurement networks:

- classes: the landscape feature network's predicted area fraction of the class is at least
  half the fraction a caption needs to name it;
- season and time of day: a small classifier trained here on fresh renders (3 + 3 classes);
- face attributes: the face attribute classifier.

Beside the model's figure: the same picture set scored against *another* held-out caption
(a baseline that ignores the text), and the real held-out photos scored against their own
captions (what the measurement networks allow). The Frechet distance uses the landscape
feature network's 64-d features, as for StyleGAN2.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ganstudio.checkpoints.loaded import LoadedModel
from ganstudio.models.text_encoder import encode, pad_ids
from trainer.evaluation import heldout, measure_nets
from trainer.evaluation.context import EvalContext, ModelEvaluation, Table, classify_faces
from trainer.evaluation.grids import tile_grid
from trainer.evaluation.metrics import frechet_distance
from trainer.synthetic import captions
from trainer.synthetic.faces import FACE_ATTRIBUTES
from trainer.synthetic.landscapes import CLASS_ID, SEASONS, TIMES_OF_DAY, draw_styles

RENDERED = 2000  # held-out renders searched for held-out combinations (about 12 % of landscapes have one)
LOOK_TRAIN = (1500, 6)  # season / time-of-day classifier: images, epochs
CALIBRATION = 600  # renders that set the class-presence thresholds


# ----------------------------------------------------------------------------- generating


def generate(model: LoadedModel, texts: list[str], seeds: list[int], batch: int = 32) -> np.ndarray:
    """One picture per (text, seed): z = RandomState(seed).randn(z_dim), as the Describe workspace draws it."""
    net = model.module
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch):
            chunk = texts[start:start + batch]
            tokens = pad_ids([encode(t, net.vocabulary, net.max_words).ids for t in chunk], net.max_words)
            z = torch.from_numpy(np.stack([np.random.RandomState(s).randn(net.z_dim) for s in seeds[start:start + batch]])).float()
            out.append(heldout.to_uint8(net.synthesize(z, net.embed(tokens))))
    return np.concatenate(out)


# ----------------------------------------------------------------------------- landscapes


def look_classifier(size: int, cache_dir, train_size: tuple[int, int] = LOOK_TRAIN) -> measure_nets.SmallConvNet:
    """Season (3 logits) then time of day (3 logits), on landscapes of data seed MEASURE_LANDSCAPE_SEED."""
    n, epochs = train_size
    spec = measure_nets.TrainSpec("landscape-look", size, n, epochs, 6)

    def train() -> measure_nets.SmallConvNet:
        layout_seeds = [heldout.MEASURE_LANDSCAPE_SEED * 1_000_003 + k for k in range(n)]
        _, images = heldout.render_landscapes(heldout.MEASURE_LANDSCAPE_SEED, n, size=size)
        style, _ = draw_styles([s * 7 + 3 for s in layout_seeds])
        target = torch.tensor([[SEASONS.index(a), TIMES_OF_DAY.index(b)] for a, b in zip(style.season, style.time_of_day)])
        torch.manual_seed(spec.seed)
        net = measure_nets.SmallConvNet(outputs=6, width=spec.width)

        def loss(logits: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(logits[:, :3], t[:, 0]) + F.cross_entropy(logits[:, 3:], t[:, 1])

        return measure_nets.fit(net, images, target, loss, epochs, spec.seed)

    return measure_nets.cached(spec, cache_dir, train)


def heldout_landscapes(size: int, seed: int, rendered: int) -> tuple[np.ndarray, list[dict], list[str]]:
    """(photos, facts, one caption each) of the held-out-combination landscapes among `rendered` of data seed `seed`."""
    labels, images = heldout.render_landscapes(seed, rendered, size=size)
    layout_seeds = [seed * 1_000_003 + k for k in range(rendered)]
    style, _ = draw_styles([s * 7 + 3 for s in layout_seeds])
    keep, facts, texts = [], [], []
    for k in range(rendered):
        f = captions.landscape_facts(labels[k], style.season[k], style.time_of_day[k])
        if captions.landscape_split(f) == "heldout":
            keep.append(k)
            facts.append(f)
            texts.append(captions.captions_for(f, "landscapes", layout_seeds[k], 1)[0])
    return images[keep], facts, texts


class LandscapeJudge:
    """What the measurement networks see in landscape pictures, checked against captions' facts."""

    def __init__(self, ctx: EvalContext, size: int) -> None:
        self.features = ctx.landscape_features(size)
        tiny = ctx.settings.n_fid < 100  # Settings.tiny(): seconds, for tests
        self.look_train = ctx.settings.season_train if tiny else LOOK_TRAIN
        self.look = look_classifier(size, ctx.settings.cache_dir, self.look_train)
        self.thresholds = self.calibrate(size, 40 if tiny else CALIBRATION)

    def calibrate(self, size: int, n: int) -> dict[str, float]:
        """Per class, the predicted area fraction above which it counts as present: the one that best separates photos
        whose caption names the class from those whose caption does not (balanced accuracy), on renders of the
        measurement seed (not the held-out ones)."""
        labels, images = heldout.render_landscapes(heldout.MEASURE_LANDSCAPE_SEED, n, size=size, first_index=500_000)
        seeds = [heldout.MEASURE_LANDSCAPE_SEED * 1_000_003 + 500_000 + k for k in range(n)]
        style, _ = draw_styles([s * 7 + 3 for s in seeds])
        facts = [captions.landscape_facts(labels[k], style.season[k], style.time_of_day[k]) for k in range(n)]
        fractions = self.read(images)["fractions"]
        out = {}
        for name in CLASSES:
            named = np.array([name in captions.mentioned_landscape(f)["classes"] for f in facts])
            shown = _shown(fractions, name)
            best, best_score = captions.MENTION[name] / 2, -1.0
            for t in np.quantile(shown, np.linspace(0.02, 0.98, 49)):
                present = shown >= t
                score = (present[named].mean() if named.any() else 0.0) + ((~present)[~named].mean() if (~named).any() else 0.0)
                if score > best_score:
                    best, best_score = float(t), score
            out[name] = best
        return out

    def read(self, images: np.ndarray) -> dict[str, np.ndarray]:
        fractions = torch.softmax(torch.from_numpy(measure_nets.run_batched(self.features, images)), 1).numpy()
        look = measure_nets.run_batched(self.look, images)
        return {"fractions": fractions, "season": look[:, :3].argmax(1), "time": look[:, 3:].argmax(1)}

    @staticmethod
    def checks(seen: dict[str, np.ndarray], facts: list[dict], order: np.ndarray | None = None,
               thresholds: dict[str, float] | None = None) -> dict[str, list[bool]]:
        """Per kind of mention (a class name, "season", "time"): did picture order[i] show what caption i names?"""
        order = np.arange(len(facts)) if order is None else order
        thresholds = thresholds or {name: captions.MENTION[name] / 2 for name in CLASSES}
        out: dict[str, list[bool]] = {}
        for i, f in enumerate(facts):
            j = int(order[i])
            wanted = captions.mentioned_landscape(f)
            for name in wanted["classes"]:
                shown = _shown(seen["fractions"][j:j + 1], name)[0]
                out.setdefault(name, []).append(bool(shown >= thresholds[name]))
            out.setdefault("season", []).append(bool(seen["season"][j] == SEASONS.index(wanted["season"])))
            out.setdefault("time", []).append(bool(seen["time"][j] == TIMES_OF_DAY.index(wanted["time"])))
        return out


CLASSES = ("mountain", "snow", "water", "tree", "sand", "rock")


def _shown(fractions: np.ndarray, name: str) -> np.ndarray:
    """The predicted area fraction of a named class (mountains: rock face and snow together, as captions count them)."""
    value = fractions[:, CLASS_ID[name]]
    return value + fractions[:, CLASS_ID["snow"]] if name == "mountain" else value


def _score(checks: dict[str, list[bool]]) -> tuple[float, dict[str, float]]:
    every = [c for values in checks.values() for c in values]
    return float(np.mean(every)) if every else float("nan"), {k: float(np.mean(v)) for k, v in checks.items()}


def _other_caption(n: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation with no fixed point: picture i is scored against caption order[i] != i."""
    order = rng.permutation(n)
    for i in range(n):
        if order[i] == i:
            k = (i + 1) % n
            order[i], order[k] = order[k], order[i]
    return order


def class_detector_accuracy(judge: LandscapeJudge, size: int, n: int) -> dict[str, dict[str, float]]:
    """Per class: how often 'present' (as the checks read it) agrees with a caption naming the class, on real photos of
    any combination, and how often it says present where the class is not named (the checks' false positives)."""
    labels, images = heldout.render_landscapes(heldout.HELDOUT_LANDSCAPE_SEED_2, n, size=size)
    layout_seeds = [heldout.HELDOUT_LANDSCAPE_SEED_2 * 1_000_003 + k for k in range(n)]
    style, _ = draw_styles([s * 7 + 3 for s in layout_seeds])
    facts = [captions.landscape_facts(labels[k], style.season[k], style.time_of_day[k]) for k in range(n)]
    fractions = judge.read(images)["fractions"]
    out = {}
    for name in CLASSES:
        named = np.array([name in captions.mentioned_landscape(f)["classes"] for f in facts])
        present = _shown(fractions, name) >= judge.thresholds[name]
        out[name] = {"accuracy": float((present == named).mean()),
                     "false_present": float(present[~named].mean()) if (~named).any() else float("nan"), "named": float(named.mean())}
    return out


def evaluate_landscapes(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.module.resolution)
    rendered = RENDERED if s.n_fid >= 100 else max(40, s.n_fid * 8)
    real, facts, texts = heldout_landscapes(size, heldout.HELDOUT_LANDSCAPE_SEED, rendered)
    real_b, _, _ = heldout_landscapes(size, heldout.HELDOUT_LANDSCAPE_SEED_2, rendered)
    judge = LandscapeJudge(ctx, size)
    generated = generate(model, texts, list(range(len(texts))))
    seen_gen, seen_real = judge.read(generated), judge.read(real)
    order = _other_caption(len(texts), np.random.default_rng(0))
    model_score, model_kinds = _score(judge.checks(seen_gen, facts, thresholds=judge.thresholds))
    other_score, other_kinds = _score(judge.checks(seen_gen, facts, order, judge.thresholds))
    real_score, real_kinds = _score(judge.checks(seen_real, facts, thresholds=judge.thresholds))
    kinds = list(model_kinds)
    rows = [[name, f"{model_score:.1%}", *(f"{model_kinds[k]:.0%}" for k in kinds)],
            ["baseline: the same pictures, each for another held-out caption", f"{other_score:.1%}", *(f"{other_kinds[k]:.0%}" for k in kinds)],
            ["real held-out photos for their own captions (what the judges allow)", f"{real_score:.1%}", *(f"{real_kinds[k]:.0%}" for k in kinds)]]
    counts = {k: len(v) for k, v in judge.checks(seen_gen, facts, thresholds=judge.thresholds).items()}
    tables = [Table(
        f"Mentioned content present, {len(texts)} held-out captions ({size} px) ↑", ["pictures", "all mentions", *(f"{k} ({counts[k]})" for k in kinds)], rows,
        "Captions of held-out landscapes (data seed "
        f"{heldout.HELDOUT_LANDSCAPE_SEED}) whose combination of season, time of day, mountains and water is kept out of training "
        f"({', '.join('/'.join(str(v) for v in h) for h in captions.HELDOUT_LANDSCAPES)}); one picture per caption (seed = its index). "
        "A class counts as present when the landscape feature network's predicted area fraction reaches a per-class threshold "
        "calibrated on renders of the measurement seed (best balanced accuracy between photos whose caption names the class and "
        "those whose caption does not; see 'Measurement networks' for its accuracy and false-present rate on held-out photos); "
        "season and time of day by a 3+3-way classifier trained on fresh renders. Column headers give the number of mentions.")]
    real_features = measure_nets.run_batched(judge.features.features, real)
    fd = {name: frechet_distance(measure_nets.run_batched(judge.features.features, generated), real_features),
          "floor: held-out photos of a second seed, same combinations": frechet_distance(measure_nets.run_batched(judge.features.features, real_b), real_features)}
    tables.append(Table(f"Frechet distance to the {len(real)} held-out photos ↓", ["images", "Frechet distance"],
                        [[k, f"{v:.4g}"] for k, v in fd.items()],
                        "Features: the 64-d penultimate layer of the landscape feature network (see 'Measurement networks')."))
    accuracy = {"season": float(np.mean(seen_real["season"] == [SEASONS.index(f["season"]) for f in facts])),
                "time": float(np.mean(seen_real["time"] == [TIMES_OF_DAY.index(f["time"]) for f in facts]))}
    detectors = class_detector_accuracy(judge, size, min(rendered, 600))
    figures_detectors = {k: v for k, v in detectors.items()}
    ctx.measurements[f"landscape-look-{size}"] = {
        "what": f"season and time-of-day classifier ({size} px)",
        "train": f"{judge.look_train[0]} landscapes of data seed {heldout.MEASURE_LANDSCAPE_SEED}, {judge.look_train[1]} epochs",
        "test": f"{len(real)} held-out landscapes", "accuracy": accuracy}
    ctx.measurements[f"landscape-class-presence-{size}"] = {
        "what": f"'class present' read from the landscape feature network ({size} px), as the table above uses it",
        "test": f"{min(rendered, 600)} held-out landscapes of data seed {heldout.HELDOUT_LANDSCAPE_SEED_2} (any combination): "
                "agreement with whether a caption names the class, and how often it says present where no caption would",
        "accuracy": {k: v["accuracy"] for k, v in detectors.items()}, "thresholds": judge.thresholds,
        "false_present": {k: v["false_present"] for k, v in detectors.items()}}
    rows_shown = min(s.n_grid, len(texts))
    grid_texts = texts[:rows_shown]
    grid = tile_grid([[real[i], *generate(model, [grid_texts[i]] * 6, list(range(100, 106)))] for i in range(rows_shown)])
    caption = "Each row: the held-out photo, then six pictures (seeds 100–105) for its caption: " + " | ".join(f"({i + 1}) {t}" for i, t in enumerate(grid_texts))
    figures = {"mentioned_present": model_score, "per_kind": model_kinds, "baseline_other_caption": other_score,
               "real_photos": real_score, "frechet": fd, "captions": len(texts), "judge_accuracy_on_reals": real_kinds,
               "class_detectors": figures_detectors}
    return ModelEvaluation(name, model.arch, "text_to_image", tables, grid, caption, figures)


# ----------------------------------------------------------------------------- faces


def evaluate_faces(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    s = ctx.settings
    size = int(model.module.resolution)
    rendered = max(40, s.n_faces * 4)
    images, attrs = heldout.render_faces(heldout.HELDOUT_FACE_SEED, rendered, size)
    seeds = [heldout.HELDOUT_FACE_SEED * 1_000_003 + k for k in range(rendered)]
    facts = [captions.face_facts(a) for a in attrs]
    keep = [k for k, f in enumerate(facts) if captions.face_split(f) == "heldout"]
    texts = [captions.captions_for(facts[k], "faces", seeds[k], 1)[0] for k in keep]
    wanted = np.array([[captions.mentioned_face(facts[k])[a] for a in FACE_ATTRIBUTES] for k in keep])
    net = ctx.face_classifier(size)
    generated = generate(model, texts, list(range(len(texts))))
    seen = classify_faces(net, generated) > 0.5
    seen_real = classify_faces(net, images[keep]) > 0.5
    order = _other_caption(len(keep), np.random.default_rng(0))
    score = {"model": float((seen == wanted).mean()), "other": float((seen[order] == wanted).mean()), "real": float((seen_real == wanted).mean())}
    tables = [Table(f"Mentioned attributes present, {len(texts)} held-out captions ({size} px) ↑", ["pictures", "attributes right"],
                    [[name, f"{score['model']:.1%}"], ["baseline: the same pictures, each for another held-out caption", f"{score['other']:.1%}"],
                     ["real held-out faces for their own captions", f"{score['real']:.1%}"]],
                    "Face attribute classifier (see 'Measurement networks') on the seven attributes every caption states.")]
    grid = tile_grid([[images[keep[i]], *generate(model, [texts[i]] * 6, list(range(100, 106)))] for i in range(min(s.n_grid, len(texts)))])
    return ModelEvaluation(name, model.arch, "text_to_image", tables, grid, "Held-out face, then six pictures for its caption.",
                           {"mentioned_present": score["model"], "baseline_other_caption": score["other"], "real_photos": score["real"]})


def evaluate_text_to_image(name: str, model: LoadedModel, ctx: EvalContext) -> ModelEvaluation:
    """Landscape or face captions, by the model's vocabulary (a face model knows "hair")."""
    if "hair" in model.module.vocabulary:
        return evaluate_faces(name, model, ctx)
    return evaluate_landscapes(name, model, ctx)


__all__ = ["evaluate_text_to_image", "generate"]
