"""How the Attributes export pastes an edit back: noise over plain background, the edit kept, photo detail.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/bench_attribute_paste.py [--model FILE] [--save DIR] [--json]

Issue 19 ("the full-size export shows noise where the crop box reached over
plain background"; "'Keep photo detail' makes no visible difference"). Each
sample face (resources/samples/faces, 128 px) is scaled 2x and put at the
bottom of a 640x400 plain wall of its own background colour with a little
grain (sigma 1.5 levels), like a portrait against a wall. The crop box covers
the face and reaches over the wall on its left: 60 px of a 256 px box (the
face still fills the box as in training), and two wider boxes (296, 336 px)
whose faces sit off-centre. Each face gets another hair colour (its own ticked
as "photo has"), run by the bundled StarGAN (64 px) on the CPU, and is
exported two ways:

- before: ``document.face_crop.paste_back`` (the model's output minus its
  input, added to the photo; or the output replacing the crop),
- after: ``engine.attributes.paste_edit`` (the output minus the model's redraw
  with the photo's own labels, smoothed and gated by its noise level; or the
  output replacing the crop),

each with "keep photo detail" on and off. Figures (0-255 levels):
wall std = standard deviation of the exported pixels over the wall inside the
box's plateau (the input's beside it), wall change = mean absolute change
there, hair change = mean absolute change over the upper face where the new
hair colour should show (noise counts too), hair shift = the size of the mean
colour change there (noise averages out), detail = mean gradient magnitude inside the box
relative to the input's (noise raises it), features = the same over the eyes,
mouth and neck, which a hair edit should leave as they are, and the mean
absolute change there, on/off = mean absolute difference between the
exports with and without "keep photo detail", no-change = mean absolute change
inside the box when no attribute is toggled.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganstudio.checkpoints import load_model  # noqa: E402
from ganstudio.document.face_crop import REFERENCE_FEATHER, CropBox, crop_for_model, paste_back  # noqa: E402
from ganstudio.engine.attributes import paste_edit  # noqa: E402

WALL_SIZE = (400, 640)  # height, width
FACE_AT = (144, 340)  # top, left of the 256 px face
FACE_SIZE = 256
BOXES = {"60 px of wall": CropBox(280, 144, 256), "wider, face off-centre": CropBox(260, 104, 296), "widest": CropBox(300, 64, 336)}
# (sample, photo has, target): a different hair colour each, in the bundled model's attribute order
EDITS = {
    "face-1": ([0, 1, 0, 0, 1], [0, 0, 1, 0, 1]),  # blond young woman -> brown
    "face-2": ([1, 0, 0, 1, 1], [0, 1, 0, 1, 1]),  # black-haired young man -> blond
    "face-3": ([0, 0, 1, 0, 0], [0, 1, 0, 0, 0]),  # brown-haired older woman -> blond
}
HAIR = (slice(6, 86), slice(60, 200))  # rows, columns of the face where the hair is
FEATURES = (slice(100, 250), slice(80, 180))  # eyes, mouth, neck: where a hair edit should leave the detail


def wall_photo(face: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    colour = face[:20, :20].reshape(-1, 3).mean(axis=0)
    photo = np.clip(colour + rng.normal(0.0, 1.5, (*WALL_SIZE, 3)), 0, 255).astype(np.uint8)
    top, left = FACE_AT
    photo[top : top + FACE_SIZE, left : left + FACE_SIZE] = face
    return photo


def run_model(module: torch.nn.Module, crop: np.ndarray, labels: list[list[int]]) -> list[np.ndarray]:
    x = torch.from_numpy(np.array(crop)).permute(2, 0, 1)[None].float() / 127.5 - 1.0
    with torch.inference_mode():
        out = module(x.expand(len(labels), -1, -1, -1), torch.tensor(labels, dtype=torch.float32))
    return [np.clip(np.rint((o.permute(1, 2, 0).numpy() + 1.0) * 127.5), 0, 255).astype(np.uint8) for o in out]


def gradient(pixels: np.ndarray) -> float:
    luma = pixels[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return float(np.mean(np.abs(np.diff(luma, axis=0))[:, :-1] + np.abs(np.diff(luma, axis=1))[:-1]))


def measure(model_path: Path, save: Path | None) -> dict[str, dict[str, float]]:
    module = load_model(model_path).module
    rows: dict[str, list[dict[str, float]]] = {}
    for seed, (stem, (original, target)) in enumerate(EDITS.items()):
        face = np.asarray(Image.open(ROOT / "resources/samples/faces" / f"{stem}.png").convert("RGB").resize((FACE_SIZE, FACE_SIZE), Image.Resampling.BICUBIC))
        photo = wall_photo(face, seed)
        for where, box in BOXES.items():
            feather = round(box.size * REFERENCE_FEATHER)
            crop = crop_for_model(photo, box, 64)
            edited, reference = run_model(module, crop, [target, original])
            exports = {
                ("before", True): paste_back(photo, edited, box, feather=feather, keep_detail=True),
                ("before", False): paste_back(photo, edited, box, feather=feather, keep_detail=False),
                ("after", True): paste_edit(photo, edited, reference, box, feather=feather, keep_detail=True),
                ("after", False): paste_edit(photo, edited, reference, box, feather=feather, keep_detail=False),
            }
            unchanged = {"before": paste_back(photo, reference, box, feather=feather), "after": paste_edit(photo, reference, reference, box, feather=feather)}
            inside = (slice(box.y, box.y + box.size), slice(box.x, box.x + box.size))
            wall = (slice(box.y + feather, WALL_SIZE[0] - 4), slice(box.x + feather, FACE_AT[1] - 4))
            hair = (slice(FACE_AT[0] + HAIR[0].start, FACE_AT[0] + HAIR[0].stop), slice(FACE_AT[1] + HAIR[1].start, FACE_AT[1] + HAIR[1].stop))
            features = (slice(FACE_AT[0] + FEATURES[0].start, FACE_AT[0] + FEATURES[0].stop), slice(FACE_AT[1] + FEATURES[1].start, FACE_AT[1] + FEATURES[1].stop))
            for (method, keep), out in exports.items():
                rows.setdefault(f"{method}, keep detail {'on' if keep else 'off'}", []).append({
                    "wall_std": float(out[wall].astype(np.float64).std(axis=(0, 1)).mean()),
                    "input_wall_std": float(photo[wall].astype(np.float64).std(axis=(0, 1)).mean()),
                    "wall_change": float(np.abs(out[wall].astype(np.float64) - photo[wall]).mean()),
                    "hair_change": float(np.abs(out[hair].astype(np.float64) - photo[hair]).mean()),
                    "hair_shift": float(np.linalg.norm((out[hair].astype(np.float64) - photo[hair]).mean(axis=(0, 1)))),
                    "detail": gradient(out[inside]) / gradient(photo[inside]),
                    "feature_detail": gradient(out[features]) / gradient(photo[features]),
                    "feature_change": float(np.abs(out[features].astype(np.float64) - photo[features]).mean()),
                    "on_off": float(np.abs(exports[(method, True)][inside].astype(np.float64) - exports[(method, False)][inside]).mean()),
                    "no_change": float(np.abs(unchanged[method][inside].astype(np.float64) - photo[inside]).mean()),
                })
                if save is not None:
                    save.mkdir(parents=True, exist_ok=True)
                    Image.fromarray(out).save(save / f"{stem}-{box.size}-{method}-{'detail' if keep else 'replace'}.png")
    return {name: {key: float(np.mean([r[key] for r in values])) for key in values[0]} for name, values in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "resources/models/faces-stargan.safetensors")
    parser.add_argument("--save", type=Path, help="write every export here as PNG")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    figures = measure(args.model, args.save)
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    print(f"{len(EDITS)} faces x {len(BOXES)} boxes, means (0-255 levels)")
    print(f"{'export':28s} {'wall std':>9s} {'(input)':>8s} {'wall chg':>9s} {'hair chg':>9s} {'shift':>6s} {'detail':>7s} {'features':>8s} {'feat chg':>8s} {'on/off':>7s} {'no-change':>9s}")
    for name, f in figures.items():
        print(f"{name:28s} {f['wall_std']:9.2f} {f['input_wall_std']:8.2f} {f['wall_change']:9.2f} {f['hair_change']:9.2f} {f['hair_shift']:6.2f} {f['detail']:7.2f} {f['feature_detail']:8.2f} {f['feature_change']:8.2f} {f['on_off']:7.2f} {f['no_change']:9.2f}")


if __name__ == "__main__":
    main()
