"""docs/models.md: per model a sample grid, how it was trained, and its figures beside the baselines'."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from trainer.evaluation import heldout
from trainer.evaluation.context import ModelEvaluation, Table, fmt

KIND_TITLES = {"label-to-photo": "label map → photo", "attributes": "face attribute editing",
               "cyclegan": "summer ↔ winter translation", "stylegan2": "unconditional landscapes",
               "munit": "summer ↔ winter translation with styles", "unit": "summer ↔ winter translation, shared latent",
               "text_to_image": "text → image", "z_generator": "unconditional landscapes from z",
               "instagan": "trees → rocks, instance by instance", "lostgan": "landscapes from layouts of boxes"}


def _pix2pix_data() -> str:
    from trainer.defaults import DEFAULTS

    model = next((m for m in DEFAULTS if m.recipe == "pix2pix"), None)
    if model is None:
        return "none"
    style = heldout.DataStyle.of_dataset(model.dataset)
    return f"data seed {style.seed}, {style.describe()}"


def markdown_table(table: Table) -> str:
    lines = [f"**{table.title}**", "", "| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "not recorded"
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _mean_share(score: Any) -> float:
    """A text-to-image score: a share, or a dict of shares per kind of mention (their mean)."""
    if isinstance(score, dict):
        values = [v for v in score.values() if isinstance(v, (int, float))]
        return sum(values) / len(values) if values else float("nan")
    return float(score)


def headline(ev: ModelEvaluation) -> str:
    """One line: the model's main figure beside the best baseline's."""
    f = ev.figures
    if ev.kind == "label-to-photo":
        scored = {k: v for k, v in f.items() if isinstance(v, dict) and "psnr" in v}  # not diversity and such
        models = {k: v for k, v in scored.items() if not k.startswith("baseline")}
        bases = {k: v for k, v in scored.items() if k.startswith("baseline")}
        best = max(models.values(), key=lambda v: v["psnr"])
        mean_image, class_mean = bases.get("baseline: training-set mean image"), bases.get("baseline: class-mean colours")
        if mean_image is None or class_mean is None:
            return f"PSNR {fmt(best['psnr'])} dB, colour error {fmt(best['colour_error'], 1)}"
        return (f"PSNR {fmt(best['psnr'])} dB vs {fmt(mean_image['psnr'])} (mean image) / {fmt(class_mean['psnr'])} "
                f"(class-mean colours); colour error {fmt(best['colour_error'], 1)} vs {fmt(mean_image['colour_error'], 1)} / "
                f"{fmt(class_mean['colour_error'], 1)}; detail {fmt(best['detail'])} vs {fmt(mean_image['detail'])} / "
                f"{fmt(class_mean['detail'])} (best model mode)")
    if ev.kind == "attributes" and "mean" in f:
        line = f"flips seen {fmt(100 * f['mean']['flip_rate'], 1)} % vs {fmt(100 * f['mean']['baseline_flip_rate'], 1)} % unedited"
        fidelity = f.get("fidelity")
        if fidelity:
            line += (f"; no-change edit PSNR {fmt(fidelity['model']['psnr'])} dB (mean face {fmt(fidelity['mean_face']['psnr'])}, "
                     f"input blurred 4x {fmt(fidelity['blurred_input']['psnr'])})")
        return line
    if ev.kind in ("munit", "unit"):
        m, cyclegan = f[ev.name], f.get("CycleGAN default (summer2winter-cyclegan)")
        line = (f"season reached {fmt(50 * (m['seen_winter'] + m['seen_summer']), 1)} %; cycle error "
                f"{fmt((m['cycle_summer'] + m['cycle_winter']) / 2)}")
        if cyclegan:
            line += (f" (CycleGAN default {fmt(50 * (cyclegan['seen_winter'] + cyclegan['seen_summer']), 1)} %, "
                     f"{fmt((cyclegan['cycle_summer'] + cyclegan['cycle_winter']) / 2)})")
        if "diversity" in f:
            line += f"; diversity {fmt(f['diversity']['diversity_s_to_w'], 1)}"
        if "style_transfer" in f:
            t = f["style_transfer"]
            line += f"; colour distance to a reference {fmt(t['reference_style'], 1)} with its style vs {fmt(t['random_style'], 1)} random"
        return line
    if ev.kind == "text_to_image" and "mentioned_present" in f:
        return (f"caption's mentions seen {fmt(100 * _mean_share(f['mentioned_present']), 1)} % vs "
                f"{fmt(100 * _mean_share(f['baseline_other_caption']), 1)} % for another caption's pictures, "
                f"{fmt(100 * _mean_share(f['real_photos']), 1)} % for real photos")
    if ev.kind == "instagan" and ev.name in f:
        m = f[ev.name]
        return (f"outside-instance error {fmt(m['outside_error'])} (identity 0), colour shift inside {fmt(m['colour_shift'])}, "
                f"mask IoU {fmt(m['mask_iou'])}")
    if ev.kind == "lostgan" and ev.name in f:
        fd, baseline = f[ev.name], f["baseline: boxes filled with class-mean colours"]
        ious = f["mask_iou"]
        return (f"Frechet distance {fd:.4g} vs {baseline:.4g} (boxes in class-mean colours); mask IoU {fmt(ious[ev.name])} "
                f"vs {fmt(ious['baseline: the box itself'])} (the box); re-roll change outside {fmt(f['reroll']['outside'])} / "
                f"inside {fmt(f['reroll']['inside'])}")
    if ev.kind == "cyclegan":
        m = f[ev.name]
        return (f"season reached {fmt(50 * (m['seen_winter'] + m['seen_summer']), 1)} % (identity "
                f"{fmt(50 * (f['baseline: identity']['seen_winter'] + f['baseline: identity']['seen_summer']), 1)} %); "
                f"cycle error {fmt((m['cycle_summer'] + m['cycle_winter']) / 2)}")
    if ev.kind in ("stylegan2", "z_generator"):
        values = [v for k, v in f.items() if k not in ("ppl", "separability")]  # model, baseline, floor
        line = f"Frechet distance {values[0]:.4g} vs {values[1]:.4g} (mean + noise), floor {values[2]:.4g}"
        if "ppl" in f:
            line += f"; PPL (W) {f['ppl']['w_end']:.4g}"
        if "separability" in f:
            line += f"; separability Z {f['separability']['z']:.3g} / W {f['separability']['w']:.3g}"
        return line
    return ""


def side_by_side(evaluations: Sequence[ModelEvaluation]) -> list[str]:
    """Markdown sections comparing the label-to-photo models tested on the same held-out maps (two or more)."""
    groups: dict[str, list[ModelEvaluation]] = {}
    for ev in evaluations:
        if ev.kind == "label-to-photo" and ev.heldout_set:
            groups.setdefault(ev.heldout_set, []).append(ev)
    lines: list[str] = []
    for heldout_set, group in groups.items():
        if len(group) < 2:
            continue
        rows, baselines = [], {}
        for ev in group:
            for label, f in ev.figures.items():
                if not isinstance(f, dict) or "psnr" not in f:  # a model's other figures (diversity, style recovery)
                    continue
                if label.startswith("baseline"):
                    baselines.setdefault(label, f)  # the same maps and training data: the same baselines
                    continue
                rows.append([label, fmt(f["psnr"]), fmt(f["colour_error"], 1), fmt(f["detail"]),
                             fmt(f["diversity"], 1) if "diversity" in f else "–"])
        rows += [[label, fmt(f["psnr"]), fmt(f["colour_error"], 1), fmt(f["detail"]), "–"] for label, f in baselines.items()]
        data = next((f["data_diversity"] for ev in group for f in ev.figures.values() if "data_diversity" in f), None)
        note = ("Every row is scored on the same held-out label maps and ground truth; the figures are those of each "
                "model's section below. Diversity: the mean pairwise difference (0–255) between outputs for one map "
                "under different noise, random styles or donor photos (see each model's diversity table)")
        note += f"; the photos of one layout in the data differ by {fmt(data, 1)}." if data is not None else "."
        lines += ["", markdown_table(Table(f"Label map → photo side by side ({heldout_set})",
                                           ["output", "PSNR (dB) ↑", "colour error ↓", "detail (photo = 1)", "diversity"], rows, note))]
    return lines


def bundle_size(model_files: dict[str, Path]) -> list[str]:
    """The bundle's total against its budget, and why the budget is what it is."""
    from trainer.defaults import BUNDLE_BUDGET_MB, BUNDLE_BUDGET_REASON

    folders = {p.parent for p in model_files.values()}
    total = sum(f.stat().st_size for folder in folders for f in folder.iterdir() if f.is_file()) / 1e6
    return ["", f"All bundled files together: {total:.1f} MB of the {BUNDLE_BUDGET_MB} MB budget. {BUNDLE_BUDGET_REASON}"]


def write_page(
    evaluations: Sequence[ModelEvaluation],
    records: dict[str, dict[str, Any]],
    measurements: dict[str, dict[str, Any]],
    out: Path,
    command: str,
    run_seconds: float,
    model_files: dict[str, Path],
    image_dir: str = "images/models",
) -> Path:
    """Write out/models.md (grids are expected in out/image_dir/NAME.png)."""
    lines = [
        "# Bundled models",
        "",
        "The default models in `resources/models/` are trained by our own trainer (`python -m trainer.defaults`) on "
        "synthetic data (see [synthetic-data.md](synthetic-data.md)); nothing was downloaded. Every figure below is "
        "measured on held-out synthetic data, rendered from seeds no training run uses, next to the same figure for a "
        "trivial baseline.",
        "",
        f"This page is generated: `{command}` (took {run_seconds:.0f} s). Do not edit it by hand.",
        "",
        "| model | task | iterations | file | quality (model vs baseline) |",
        "|---|---|---|---|---|",
    ]
    for ev in evaluations:
        rec = records[ev.name]
        size = model_files[ev.name].stat().st_size / 1e6
        lines.append(f"| [{ev.name}](#{ev.name}) | {KIND_TITLES.get(ev.kind, ev.kind)} ({ev.arch}) | {rec['iterations']} | "
                     f"{size:.1f} MB | {headline(ev)} |")
    lines += bundle_size(model_files)
    lines += side_by_side(evaluations)
    for ev in evaluations:
        rec = records[ev.name]
        iterations = f"{rec['iterations']}" + (f" of {rec['target_iterations']} planned" if rec.get("target_iterations") else "")
        lines += [
            "", f"## {ev.name}", "",
            f"`{model_files[ev.name].name}`: {KIND_TITLES.get(ev.kind, ev.kind)}, architecture `{ev.arch}`.", "",
            f"![{ev.name} samples]({image_dir}/{ev.name}.png)", "",
            f"*{ev.grid_caption}*", "",
            "| training | |", "|---|---|",
            f"| command | `{rec['command'] or 'not recorded'}` |",
            f"| data | `{rec['data_command'] or 'not recorded'}` |",
            f"| data seed | {rec['data_seed'] if rec['data_seed'] is not None else 'not recorded'} |",
            f"| iterations | {iterations} |",
            f"| wall time | {_duration(rec['wall_time_s'])} |",
            f"| device | {rec['device'] or 'not recorded'} |",
        ]
        if rec.get("reproduce"):
            lines.append(f"| reproduce | `{rec['reproduce']}` (resumes, then stores the float16 file) |")
        if rec.get("source"):
            lines.append(f"| command from | {rec['source']} |")
        for table in ev.tables:
            lines += ["", markdown_table(table)]
    lines += [
        "", "## How the evaluation works", "",
        f"- **Held-out data.** The defaults train on landscapes of data seed {heldout.TRAIN_LANDSCAPE_SEED} (pix2pix: "
        f"{_pix2pix_data()}) and faces of data seed {heldout.TRAIN_FACE_SEED}. Image *k* of data seed *s* has layout (or identity) seed *s* · 1000003 + *k*, so "
        "other data seeds never repeat a training image. Test images: landscapes of data seed "
        f"{heldout.HELDOUT_LANDSCAPE_SEED} (label-to-photo from index 0, CycleGAN summer from {heldout.SUMMER_FIRST_INDEX} and "
        f"winter from {heldout.WINTER_FIRST_INDEX}, daytime), a second real landscape set of data seed "
        f"{heldout.HELDOUT_LANDSCAPE_SEED_2}, faces of data seed {heldout.HELDOUT_FACE_SEED}. Measurement networks train on "
        f"data seeds {heldout.MEASURE_LANDSCAPE_SEED} (landscapes) and {heldout.MEASURE_FACE_SEED} (faces).",
        f"- **Preprocessing** as in training: landscapes are rendered at {heldout.LANDSCAPE_SIZE} px and resized (bicubic; label "
        "maps nearest) to the model's resolution; CycleGAN input is resized to 9/8 of it and centre-cropped, like "
        "`--load-size 72` for 64. pix2pix runs one image at a time in both of the app's modes.",
        "- **Baselines.** Label-to-photo: the mean of the first training images (pixel by pixel), and each pixel painted "
        "with its class's mean colour over those images (a model trained on one season and time of day is tested, and "
        "its baselines made, on that look only). Elsewhere the ground truth's season and time of day are random, so from a "
        "label map alone the class-mean painting is hard to beat on colour; the models that can take a style from a photo "
        "are also scored with the ground truth's style. StarGAN: the unedited input. CycleGAN: the identity mapping and "
        "the target season's mean image. StyleGAN2: the training mean image plus Gaussian noise with the per-pixel "
        "standard deviation of the training images; a second real set gives the floor.",
        "",
        "**Measurement networks** (small CNNs: a full-resolution conv, four stride-2 convs, global average pooling, a 64-d "
        "feature layer; seeded training, so re-running gives the same network)",
        "",
        "| network | trained on | tested on | held-out quality |",
        "|---|---|---|---|",
    ]
    for m in measurements.values():
        if "accuracy" in m:
            quality = ", ".join(f"{k} {fmt(100 * v, 1)} %" for k, v in m["accuracy"].items()) + " accuracy"
        else:
            quality = (f"area-fraction error {fmt(m['area_fraction_mae'], 3)} (predicting the mean: "
                       f"{fmt(m['constant_mae'], 3)})")
        lines.append(f"| {m['what']} | {m.get('train', '(reuses a network above)')} | {m['test']} | {quality} |")
    path = out / "models.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
