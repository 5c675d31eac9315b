"""Procedural landscapes: a crisp class-id label map and a photo-like rendering.

Two seeds drive an image. The *layout* seed fixes the geometry (horizon,
mountain ridges, snow caps, clouds, water, beaches, rock, trees) and thus the
label map; the *style* seed fixes the look (season, time of day, sun, colours,
texture). The same layout can therefore be rendered as summer and as winter
(CycleGAN), and every label map has a matching photo (pix2pix, SPADE, SEAN).

Everything is computed on whole batches of [B, H, W] arrays: noise comes from
upsampled random grids (see noise.py), mountains from 1-D ridge profiles, and
the only Python loop is over individual trees, each drawn in its bounding box.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Sequence

import numpy as np
from PIL import Image

from trainer.synthetic.noise import auto_batch_size, fractal_1d, fractal_2d

LANDSCAPE_CLASSES: list[dict] = [
    {"name": "sky", "color": [110, 160, 230]},
    {"name": "cloud", "color": [230, 230, 240]},
    {"name": "mountain", "color": [140, 100, 80]},
    {"name": "snow", "color": [255, 255, 255]},
    {"name": "rock", "color": [128, 128, 128]},
    {"name": "grass", "color": [90, 190, 60]},
    {"name": "tree", "color": [20, 100, 40]},
    {"name": "water", "color": [30, 70, 200]},
    {"name": "sand", "color": [230, 200, 130]},
]
CLASS_ID = {c["name"]: i for i, c in enumerate(LANDSCAPE_CLASSES)}
SKY, CLOUD, MOUNTAIN, SNOW, ROCK, GRASS, TREE, WATER, SAND = (
    CLASS_ID[n] for n in ("sky", "cloud", "mountain", "snow", "rock", "grass", "tree", "water", "sand")
)
SEASONS = ("summer", "autumn", "winter")
TIMES_OF_DAY = ("day", "dusk", "night")
# Seeds are combined with these tags so layout and style streams never coincide.
_LAYOUT_TAG = 0x1A7
_STYLE_TAG = 0x57E


@dataclass
class Layout:
    """Geometry of a batch: the label map plus what shading needs to know about it."""

    label: np.ndarray  # [B, H, W] uint8 class ids
    horizon: np.ndarray  # [B] horizon row as a fraction of the height
    depth: np.ndarray  # [B, H, W] float32, 0 near .. 1 far (mountain ranges, ground)
    slope: np.ndarray  # [B, H, W] float32 horizontal slope of terrain, for sun shading
    tree_nx: np.ndarray  # [B, H, W] float32 canopy normal (x), 0 outside trees
    tree_ny: np.ndarray  # [B, H, W] float32 canopy normal (y, up is negative)
    tree_tone: np.ndarray  # [B, H, W] float32 per-tree random value in [0, 1]
    tree_kind: np.ndarray  # [B, H, W] uint8 0 none, 1 broadleaf, 2 conifer, 3 trunk
    occlusion: np.ndarray  # [B, H, W] float32 contact shadow under trees, 0..1
    cloud: np.ndarray  # [B, H, W] float32 cloud density, > 0 inside clouds
    relief: np.ndarray  # [B, H, W] float32 rock height above its outline, > 0 inside rock


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates in [0, 1]: Y as [1, H, 1], X as [1, 1, W]."""
    c = ((np.arange(size, dtype=np.float32) + 0.5) / size).astype(np.float32)
    return c[None, :, None], c[None, None, :]


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t


def _box_blur_1d(profiles: np.ndarray, radius: int) -> np.ndarray:
    """[B, W] profiles blurred along W with a box of 2*radius+1 (edges repeated)."""
    padded = np.pad(profiles, ((0, 0), (radius + 1, radius)), mode="edge")
    csum = np.cumsum(padded, axis=1)
    return (csum[:, 2 * radius + 1:] - csum[:, : -2 * radius - 1]) / (2 * radius + 1)


def _ridge_profile(rngs: list[np.random.Generator], width: int) -> np.ndarray:
    """[B, W] mountain ridge heights in [0, 1] with sharp peaks (ridged 1-D noise)."""
    total = np.zeros((len(rngs), width), np.float32)
    for g, weight in ((4, 1.0), (9, 0.42), (19, 0.15), (41, 0.05)):
        n = fractal_1d(rngs, [g], width)
        total += weight * (1.0 - np.abs(n)) ** 2
    lo = total.min(axis=1, keepdims=True)
    hi = total.max(axis=1, keepdims=True)
    return (total - lo) / np.maximum(hi - lo, 1e-6)


def render_layouts(layout_seeds: Sequence[int], size: int) -> Layout:
    """Label maps and geometry for one layout seed per image."""
    rngs = [np.random.default_rng([int(s), _LAYOUT_TAG]) for s in layout_seeds]
    b, h, w = len(rngs), size, size
    Y, X = _grid(size)

    # --- per-image scalars, drawn in a fixed order ---
    p = {k: np.empty(b, np.float32) for k in (
        "horizon", "far_base", "far_amp", "far_on", "far_snow", "near_base", "near_amp", "near_on",
        "cloud_cover", "water_kind", "water_g0", "water_x0", "water_w", "sand_w", "rock_t",
        "treeline_on", "treeline_h", "tree_count", "conifer_share")}
    for i, r in enumerate(rngs):
        p["horizon"][i] = r.uniform(0.40, 0.62)
        p["far_on"][i] = r.random() < 0.85
        p["far_base"][i] = r.uniform(0.02, 0.10)
        p["far_amp"][i] = r.uniform(0.15, 0.38)
        p["far_snow"][i] = r.uniform(0.55, 0.85) if r.random() < 0.75 else 9.0
        p["near_on"][i] = r.random() < 0.6
        p["near_base"][i] = r.uniform(0.0, 0.05)
        p["near_amp"][i] = r.uniform(0.05, 0.14)
        p["cloud_cover"][i] = r.uniform(0.2, 1.4)
        p["water_kind"][i] = r.choice(4, p=[0.25, 0.3, 0.25, 0.2])  # none, sea, lake, river
        p["water_g0"][i] = r.uniform(0.15, 0.45)
        p["water_x0"][i] = r.uniform(0.2, 0.8)
        p["water_w"][i] = r.uniform(0.25, 0.5)
        p["sand_w"][i] = r.uniform(0.0, 0.6) if r.random() < 0.7 else 0.0
        p["rock_t"][i] = r.uniform(0.9, 2.2)
        p["treeline_on"][i] = r.random() < 0.6
        p["treeline_h"][i] = r.uniform(0.01, 0.035)
        p["tree_count"][i] = r.integers(0, 22)
        p["conifer_share"][i] = r.random()
    col = {k: v[:, None, None] for k, v in p.items()}
    hz = col["horizon"]

    label = np.full((b, h, w), SKY, np.uint8)
    depth = np.zeros((b, h, w), np.float32)
    slope = np.zeros((b, h, w), np.float32)

    # --- clouds: horizontally stretched noise, denser high in the sky ---
    clouds = fractal_2d(rngs, [(5, 3), (10, 6), (20, 12), (40, 24)], h, w, gain=0.55)
    clouds += 1.2 * (0.5 - Y / hz)
    cloud = clouds - col["cloud_cover"]
    label[(cloud > 0) & (Y < hz)] = CLOUD

    # --- mountains: far and near ranges from ridge profiles; snow above a snow line ---
    gully = fractal_2d(rngs, [(2, 12), (4, 24)], h, w)
    snow_jitter = fractal_2d(rngs, [(8, 16), (16, 32)], h, w)
    gully_slope = np.gradient(gully, axis=2) * (w * 0.0125)
    for name, far in (("far", True), ("near", False)):
        ridge = _ridge_profile(rngs, w)
        top = hz[:, :, 0] - (p[f"{name}_base"][:, None] + p[f"{name}_amp"][:, None] * ridge)
        top = np.where(p[f"{name}_on"][:, None] > 0, top, 2.0)[:, None, :]
        inside = (Y >= top) & (Y < hz)
        label[inside] = MOUNTAIN
        # Terrain slope: ridge derivative plus gullies, used for sun/shadow sides.
        # Sharp faces below the ridge blur out further down the slope, where gullies take over.
        dridge = np.clip(np.gradient(ridge, axis=1) * w * 0.08, -1.5, 1.5)
        blurred = _box_blur_1d(dridge, max(w // 16, 1))
        fall = np.clip((Y - top) / 0.12, 0.0, 1.0)
        s = _lerp(dridge[:, None, :], blurred[:, None, :], fall) + gully_slope
        slope = np.where(inside, s, slope)
        depth = np.where(inside, 1.0 if far else 0.6, depth)
        if far:
            altitude = (hz - Y) + 0.025 * snow_jitter + 0.03 * gully
            snowline = col["far_snow"] * (col["far_base"] + col["far_amp"])
            label[inside & (altitude > snowline)] = SNOW

    # --- ground: water (sea, lake or river), beaches, rock outcrops, grass ---
    g = np.clip((Y - hz) / (1.0 - hz), 0.0, 1.0)  # 0 at the horizon, 1 at the bottom
    ground = np.broadcast_to(Y >= hz, (b, h, w))
    wnoise = fractal_2d(rngs, [(3, 4), (6, 8), (12, 16)], h, w, gain=0.45)
    meander_noise = fractal_1d(rngs, [3, 6], h)[:, :, None]
    # Water field, negative in water; each image evaluates only its own kind of water.
    field = np.full((b, h, w), 9.0, np.float32)
    kind = p["water_kind"]
    sel = np.flatnonzero(kind == 1)  # sea: a band from the horizon
    if sel.size:
        field[sel] = 7.0 * (g[sel] - col["water_g0"][sel]) + 0.5 * wnoise[sel]
    sel = np.flatnonzero(kind == 2)  # lake: a noisy ellipse
    if sel.size:
        field[sel] = (
            4.0 * ((g[sel] - col["water_g0"][sel]) / 0.45) ** 2
            + 4.0 * ((X - col["water_x0"][sel]) / col["water_w"][sel]) ** 2
            - 1.0
            + 0.6 * wnoise[sel]
        )
    sel = np.flatnonzero(kind == 3)  # river: a meandering band, wider nearer the viewer
    if sel.size:
        gs = g[sel]
        meander = col["water_x0"][sel] + 0.25 * meander_noise[sel] * gs
        half = 0.01 + 0.2 * gs**1.3
        field[sel] = (np.abs(X - meander) - half) / (half + 0.02) + 0.3 * wnoise[sel]
    rock_noise = fractal_2d(rngs, [(4, 6), (8, 12), (16, 24)], h, w)
    relief = np.where(ground, rock_noise + 0.8 * g - col["rock_t"] - 0.8, -1.0).astype(np.float32)
    terrain = np.where(field < 0, WATER, np.where(field < col["sand_w"], SAND, np.where(relief > 0, ROCK, GRASS)))
    label = np.where(ground, terrain.astype(np.uint8), label)
    depth = np.where(ground, 1.0 - g, depth)
    slope = np.where(ground, 0.25 * np.gradient(rock_noise, axis=2) * w * 0.05, slope)

    # --- a tree line along the horizon where the shore is grass ---
    bumps = fractal_1d(rngs, [32, 64], w)
    below = label[np.arange(b), np.minimum((p["horizon"] * h).astype(int) + 1, h - 1)]  # [B, W]
    tl_top = hz[:, :, 0] - p["treeline_h"][:, None] * (1.3 + 0.6 * bumps)
    tl_mask = (
        (p["treeline_on"][:, None, None] > 0)
        & (below == GRASS)[:, None, :]
        & (fractal_1d(rngs, [6], w) > -0.3)[:, None, :]
        & (Y >= tl_top[:, None, :])
        & (Y < hz + 1.0 / h)
    )

    tree_nx = np.zeros((b, h, w), np.float32)
    tree_ny = np.zeros((b, h, w), np.float32)
    tree_tone = np.zeros((b, h, w), np.float32)
    tree_kind = np.zeros((b, h, w), np.uint8)
    occlusion = np.zeros((b, h, w), np.float32)
    label[tl_mask] = TREE
    tree_kind[tl_mask] = 2
    tree_ny[tl_mask] = -0.3
    tree_tone[tl_mask] = 0.5
    depth[tl_mask] = 1.0

    # --- individual trees, far ones first so near ones overlap them ---
    for i, r in enumerate(rngs):
        count = int(p["tree_count"][i])
        xs = r.uniform(0.0, 1.0, count)
        gs = r.uniform(0.0, 1.0, count) ** 0.8
        scales = r.uniform(0.7, 1.3, count)
        conifer = r.random(count) < p["conifer_share"][i]
        tones = r.random(count)
        wobble = r.uniform(0, 2 * np.pi, (count, 2))
        order = np.argsort(gs)
        for t in order:
            _draw_tree(i, xs[t], gs[t], scales[t], bool(conifer[t]), tones[t], wobble[t],
                       float(p["horizon"][i]), size, label, tree_nx, tree_ny, tree_tone,
                       tree_kind, occlusion, depth)
    return Layout(label, p["horizon"].copy(), depth.astype(np.float32), slope.astype(np.float32),
                  tree_nx, tree_ny, tree_tone, tree_kind, occlusion, cloud, relief)


def _draw_tree(
    i: int, x: float, g: float, scale: float, conifer: bool, tone: float, wobble: np.ndarray,
    horizon: float, size: int, label: np.ndarray, nx_out: np.ndarray, ny_out: np.ndarray,
    tone_out: np.ndarray, kind_out: np.ndarray, occlusion: np.ndarray, depth: np.ndarray,
) -> None:
    """Draw one tree standing at (x, ground fraction g) of image i, if it stands on grass."""
    base_y = horizon + g * (1.0 - horizon)
    by, bx = min(int(base_y * size), size - 1), min(int(x * size), size - 1)
    if label[i, by, bx] != GRASS:
        return
    height = (0.05 + 0.30 * g**1.4) * scale  # perspective: nearer trees are taller
    if height * size < 3:
        return
    trunk_h = height * (0.18 if conifer else 0.3)
    rx = height * (0.22 if conifer else 0.33)
    top = base_y - height
    y0, y1 = max(int((top - 0.02) * size), 0), min(int((base_y + 0.03) * size) + 1, size)
    x0, x1 = max(int((x - rx * 1.3) * size), 0), min(int((x + rx * 1.3) * size) + 1, size)
    if y0 >= y1 or x0 >= x1:
        return
    yy = ((np.arange(y0, y1, dtype=np.float32) + 0.5) / size)[:, None]
    xx = ((np.arange(x0, x1, dtype=np.float32) + 0.5) / size)[None, :]
    du = (xx - x) / rx
    if conifer:
        # Stacked cone: half-width grows linearly from the tip down to the canopy base.
        canopy_base = base_y - trunk_h
        v = (yy - top) / (canopy_base - top)  # 0 at the tip, 1 at the canopy base
        teeth = 1.0 - 0.25 * ((v * 4.0 + 0.5 * np.sin(wobble[0])) % 1.0)
        canopy = (v >= 0) & (v <= 1) & (np.abs(du) <= v * teeth)
        nx = np.clip(du / np.maximum(v, 0.05), -1, 1)
        ny = np.full_like(nx, -0.2) + 0.0 * v
    else:
        cy = base_y - trunk_h - (height - trunk_h) * 0.5
        ry = (height - trunk_h) * 0.5
        dv = (yy - cy) / ry
        ang = np.arctan2(dv, du)
        bumpy = 1.0 + 0.09 * np.sin(5 * ang + wobble[0]) + 0.06 * np.sin(9 * ang + wobble[1])
        rad = np.sqrt(du * du + dv * dv)
        canopy = rad <= bumpy
        nx = np.clip(du / bumpy, -1, 1)
        ny = np.clip(dv / bumpy, -1, 1)
    trunk = (np.abs(xx - x) <= max(rx * 0.12, 0.6 / size)) & (yy <= base_y) & (yy >= base_y - trunk_h - 0.01)
    trunk &= ~canopy
    # Contact shadow: a soft flat ellipse around the foot of the tree.
    shadow = np.clip(1.0 - ((xx - x) / (rx * 1.2)) ** 2 - ((yy - base_y) / (rx * 0.25)) ** 2, 0, 1)
    occlusion[i, y0:y1, x0:x1] = np.maximum(occlusion[i, y0:y1, x0:x1], shadow)
    mask = canopy | trunk
    sl = (i, slice(y0, y1), slice(x0, x1))
    label[sl][mask] = TREE
    nx_out[sl][canopy] = np.broadcast_to(nx, canopy.shape)[canopy]
    ny_out[sl][canopy] = np.broadcast_to(ny, canopy.shape)[canopy]
    tone_out[sl][mask] = tone
    kind_out[sl][canopy] = 2 if conifer else 1
    kind_out[sl][trunk] = 3
    depth[sl][mask] = 1.0 - g


# ---------------------------------------------------------------------------
# Style: season, time of day, sun, colours and texture.

_SKY = {  # zenith, horizon, sun glow, light tint, sun disc
    "day": ((0.22, 0.46, 0.85), (0.68, 0.81, 0.95), (1.0, 0.95, 0.80), (1.0, 1.0, 1.0), (1.0, 1.0, 0.92)),
    "dusk": ((0.16, 0.17, 0.42), (0.98, 0.58, 0.32), (1.0, 0.52, 0.22), (1.0, 0.76, 0.58), (1.0, 0.78, 0.45)),
    "night": ((0.01, 0.02, 0.07), (0.07, 0.10, 0.22), (0.55, 0.62, 0.80), (0.36, 0.42, 0.62), (0.92, 0.92, 0.85)),
}
_CLOUD = {  # lit side, shadow side
    "day": ((0.98, 0.98, 0.99), (0.62, 0.66, 0.74)),
    "dusk": ((1.0, 0.70, 0.52), (0.40, 0.32, 0.44)),
    "night": ((0.30, 0.32, 0.40), (0.09, 0.10, 0.15)),
}
_GROUND = {  # per season: grass, canopy (or None for autumn mix), snow cover of the ground
    "summer": ((0.30, 0.54, 0.18), (0.15, 0.36, 0.11), 0.0),
    "autumn": ((0.58, 0.54, 0.24), None, 0.0),
    "winter": ((0.42, 0.44, 0.30), (0.34, 0.29, 0.25), 0.85),
}
_MOUNTAIN_ROCK = np.array(
    [(0.46, 0.42, 0.40), (0.50, 0.40, 0.32), (0.40, 0.42, 0.48), (0.56, 0.40, 0.32)], np.float32
)
_AUTUMN_LEAVES = np.array(
    [(0.80, 0.38, 0.08), (0.86, 0.64, 0.12), (0.62, 0.18, 0.08), (0.38, 0.44, 0.12), (0.72, 0.50, 0.10)],
    np.float32,
)


@dataclass
class Style:
    """Appearance of a batch, one entry per image."""

    season: list[str]
    time_of_day: list[str]
    sun_x: np.ndarray  # [B]
    sun_y: np.ndarray  # [B] height of the sun above the horizon, fraction of the sky
    light: np.ndarray  # [B, 3] light colour / strength
    warmth: np.ndarray  # [B] colour temperature jitter
    haze: np.ndarray  # [B]
    ice: np.ndarray  # [B] bool: winter water frozen
    hue_jitter: np.ndarray  # [B, 3]


def draw_styles(style_seeds: Sequence[int], seasons: Sequence[str | None] | None = None,
                times: Sequence[str | None] | None = None) -> tuple[Style, list[np.random.Generator]]:
    """Per-image appearance parameters; also returns the style rngs for textures."""
    n = len(style_seeds)
    rngs = [np.random.default_rng([int(s), _STYLE_TAG]) for s in style_seeds]
    seasons = list(seasons) if seasons is not None else [None] * n
    times = list(times) if times is not None else [None] * n
    out_season, out_time = [], []
    sun_x, sun_y, warmth, haze, ice = (np.empty(n, np.float32) for _ in range(5))
    light = np.empty((n, 3), np.float32)
    hue = np.empty((n, 3), np.float32)
    for i, r in enumerate(rngs):
        # Always draw both, so forcing a season or time leaves every other draw unchanged.
        season_draw = SEASONS[r.choice(3, p=[0.45, 0.25, 0.30])]
        time_draw = TIMES_OF_DAY[r.choice(3, p=[0.6, 0.25, 0.15])]
        season = seasons[i] or season_draw
        tod = times[i] or time_draw
        if season not in SEASONS:
            raise ValueError(f"unknown season {season!r}; expected one of {SEASONS}")
        if tod not in TIMES_OF_DAY:
            raise ValueError(f"unknown time of day {tod!r}; expected one of {TIMES_OF_DAY}")
        out_season.append(season)
        out_time.append(tod)
        sun_x[i] = r.uniform(0.1, 0.9)
        elevation = r.uniform(0.35, 0.8)
        sun_y[i] = {"day": elevation, "dusk": 0.04 + 0.12 * elevation, "night": elevation}[tod]
        strength = r.uniform(0.9, 1.08)
        light[i] = np.asarray(_SKY[tod][3], np.float32) * strength
        warmth[i] = r.uniform(-0.04, 0.04)
        haze[i] = r.uniform(0.15, 0.45)
        ice[i] = r.random() < 0.6
        hue[i] = r.uniform(-0.03, 0.03, 3)
    style = Style(out_season, out_time, sun_x, sun_y, light, warmth, haze, ice.astype(bool), hue)
    return style, rngs


@lru_cache(maxsize=8)
def _grain_tile(h: int, w: int) -> np.ndarray:
    """A fixed [2h, 2w] unit-normal noise tile (read-only), shared by all images of that size."""
    tile = np.random.default_rng(0x6A1).standard_normal((2 * h, 2 * w), dtype=np.float32)
    tile.setflags(write=False)
    return tile


def _per_image(values: Sequence[Sequence[float]]) -> np.ndarray:
    """[B, 3] colours -> [B, 1, 1, 3] for broadcasting over images."""
    return np.asarray(values, np.float32)[:, None, None, :]


def render_images(layout: Layout, style: Style, rngs: list[np.random.Generator]) -> np.ndarray:
    """Photo-like [B, H, W, 3] uint8 images of the given layouts in the given styles.

    The sky is computed everywhere (water mirrors it); every other class is shaded
    only at its own pixels, gathered as flat index lists, so each pixel is shaded once.
    """
    label = layout.label
    b, h, w = label.shape
    hw = h * w
    Y, X = _grid(h)
    hz = layout.horizon[:, None, None]
    tod, season = style.time_of_day, style.season
    night = np.array([t == "night" for t in tod])
    winter = np.array([s == "winter" for s in season])
    autumn = np.array([s == "autumn" for s in season])

    fine = fractal_2d(rngs, [(max(h // 4, 4), max(w // 4, 4)), (max(h // 2, 4), max(w // 2, 4))], h, w, gain=0.7)
    mid = fractal_2d(rngs, [(8, 8), (16, 16), (32, 32)], h, w, gain=0.6)
    streak = fractal_2d(rngs, [(max(h // 3, 4), 6), (max(h // 2, 4), 10)], h, w)
    # Film grain and stars: windows at random offsets into one fixed noise tile, which is
    # far cheaper than drawing fresh per-pixel randoms for every image.
    tile = _grain_tile(h, w)
    offsets = [r.integers(0, (h, w), size=(2, 2)) for r in rngs]
    grain = np.stack([tile[oy : oy + h, ox : ox + w] for (oy, ox), _ in offsets])
    stars = np.stack([tile[oy : oy + h, ox : ox + w] for _, (oy, ox) in offsets]) > 2.65

    # --- sky everywhere: vertical gradient, sun/moon glow and disc, stars at night ---
    zenith = _per_image([_SKY[t][0] for t in tod])
    horizon_col = _per_image([_SKY[t][1] for t in tod])
    horizon_col = np.where(winter[:, None, None, None], 0.6 * horizon_col + 0.4 * np.float32(0.85), horizon_col)
    t = np.clip(Y / hz, 0.0, 1.0)[..., None] ** 1.6
    img = np.broadcast_to(_lerp(zenith, horizon_col, t), (b, h, w, 3)).copy()
    sun_x = style.sun_x[:, None, None]
    sun_y = hz - style.sun_y[:, None, None] * hz
    dist2 = (X - sun_x) ** 2 + (Y - sun_y) ** 2
    glow_col = _per_image([_SKY[t][2] for t in tod])
    glow_amount = np.asarray([{"day": 0.35, "dusk": 0.8, "night": 0.25}[t] for t in tod], np.float32)
    img += glow_col * (glow_amount[:, None, None] * np.exp(-dist2 / 0.02))[..., None]
    disc = np.clip((0.028 - np.sqrt(dist2)) * h * 0.7, 0.0, 1.0)
    on_disc = np.nonzero(disc)
    disc_col = np.asarray([_SKY[t][4] for t in tod], np.float32)[on_disc[0]]
    img[on_disc] = _lerp(img[on_disc], disc_col, disc[on_disc][:, None])
    twinkle = stars & night[:, None, None] & (label == SKY)
    img[twinkle] = 0.7 + 0.3 * img[twinkle]

    flat_img = img.reshape(-1, 3)
    fine_f, mid_f, streak_f = fine.reshape(-1), mid.reshape(-1), streak.reshape(-1)
    flat_label = label.reshape(-1)
    horizon_row = layout.horizon * h

    def pixels(class_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat indices of a class, their image index and their row (y in [0, 1])."""
        idx = np.flatnonzero(flat_label == class_id)
        return idx, idx // hw, ((idx % hw) // w + 0.5).astype(np.float32) / h

    light_dir = np.sign(style.sun_x - 0.5).astype(np.float32) * 0.9
    # Rock type of the mountains (grey granite, brown, blue-grey slate, red sandstone), slightly tinted.
    mountain_base = _MOUNTAIN_ROCK[[r.integers(len(_MOUNTAIN_ROCK)) for r in rngs]]
    mountain_tint = np.stack([r.uniform(-0.04, 0.04, 3).astype(np.float32) for r in rngs])
    snow_col = np.float32([0.95, 0.96, 1.0])
    cover = np.array([_GROUND[s][2] for s in season], np.float32)

    haze_col = horizon_col[:, 0, 0, :]

    def finish(idx: np.ndarray, bi: np.ndarray, yf: np.ndarray, col: np.ndarray, lit: bool = True) -> np.ndarray:
        """Aerial haze towards the horizon colour, then the light colour (terrain only:
        the sky already carries its time-of-day colours)."""
        haze = style.haze[bi] * np.clip(1.0 - np.abs(yf - layout.horizon[bi]) * 5.0, 0, 1)
        haze *= np.clip(depth_f[idx], 0, 1)
        col = _lerp(col, haze_col[bi], haze[:, None])
        return col * style.light[bi] if lit else col

    def settled_snow(idx: np.ndarray, bi: np.ndarray) -> np.ndarray:
        """Winter snow cover on the ground, 0..1 (look only, labels unchanged)."""
        c = cover[bi]
        return np.clip((0.6 * mid_f[idx] + 0.4 * fine_f[idx] + 1.6 * c - 0.1) * 4.0, 0.0, 1.0) * (c > 0)

    def ground_snow(idx: np.ndarray, bi: np.ndarray, slope: np.ndarray, settle: np.ndarray) -> np.ndarray:
        shade = np.clip(0.85 + 0.05 * fine_f[idx] + 0.15 * light_dir[bi] * slope, 0.6, 1.05)[:, None]
        return snow_col * shade - np.float32([0.08, 0.05, 0.0]) * (1.0 - settle)[:, None]

    # --- clouds: lit where density falls off upwards, shadowed underneath; the edge fades
    # into the sky inside the cloud label, so the label stays crisp ---
    idx, bi, yf = pixels(CLOUD)
    if idx.size:
        lit = np.asarray([_CLOUD[t][0] for t in tod], np.float32)[bi]
        dark = np.asarray([_CLOUD[t][1] for t in tod], np.float32)[bi]
        density = layout.cloud.reshape(-1)[idx]
        top_light = -np.gradient(layout.cloud, axis=1).reshape(-1)[idx] * h * 0.12
        shade = np.clip(0.65 + 0.5 * top_light + 0.25 * density + 0.08 * fine_f[idx], 0, 1)[:, None]
        col = _lerp(dark, lit, shade)
        col = np.where(winter[bi, None], 0.75 * col + 0.25 * dark, col)
        alpha = np.clip(0.35 + density * 3.0, 0, 1)[:, None]
        flat_img[idx] = _lerp(flat_img[idx], col, alpha)

    slope_f = layout.slope.reshape(-1)
    depth_f = layout.depth.reshape(-1)

    # --- mountains and snow caps: sun side lit, darker towards the foot ---
    idx, bi, yf = pixels(MOUNTAIN)
    if idx.size:
        slope_light = np.clip(1.0 + 0.35 * light_dir[bi] * slope_f[idx], 0.45, 1.4)
        base = mountain_base[bi] + mountain_tint[bi]
        foot = 0.78 + 0.22 * np.clip((yf - layout.horizon[bi]) / 0.3 + 1.0, 0, 1)
        col = base * (slope_light * (1.0 + 0.12 * fine_f[idx] + 0.1 * streak_f[idx]) * foot)[:, None]
        settle = settled_snow(idx, bi) * (slope_light > 0.95)
        snow = snow_col * np.clip(0.72 + 0.3 * light_dir[bi] * slope_f[idx], 0.5, 1.05)[:, None]
        col = _lerp(col, snow, 0.55 * settle[:, None])
        # Aerial perspective: the far range takes on the colour of the air.
        far = (depth_f[idx] > 0.9)[:, None]
        flat_img[idx] = finish(idx, bi, yf, _lerp(col, haze_col[bi], 0.3 * far * style.haze[bi, None] / 0.3))
    idx, bi, yf = pixels(SNOW)
    if idx.size:
        s = light_dir[bi] * slope_f[idx]
        shade = np.clip(0.72 + 0.3 * s + 0.04 * fine_f[idx], 0.5, 1.05)[:, None]
        # Shadowed snow turns blue.
        flat_img[idx] = finish(idx, bi, yf, snow_col * shade - np.float32([0.06, 0.03, 0.0]) * np.clip(-0.35 * s, 0, 1)[:, None])

    # --- rock outcrops: lit on top (where relief rises upwards), darker at the foot ---
    idx, bi, yf = pixels(ROCK)
    if idx.size:
        relief = layout.relief
        rock_top = np.clip(-np.gradient(relief, axis=1).reshape(-1)[idx] * h * 0.15, -1.0, 1.0)
        light = np.clip(0.8 + 0.35 * rock_top + 0.25 * light_dir[bi] * slope_f[idx]
                        + 0.3 * np.clip(relief.reshape(-1)[idx], 0, 1), 0.4, 1.4)
        col = (np.float32([0.50, 0.49, 0.47]) + 0.5 * mountain_tint[bi]) * (
            light * (1.0 + 0.15 * fine_f[idx] + 0.1 * np.abs(streak_f[idx]) - 0.05))[:, None]
        settle = settled_snow(idx, bi) * (light > 1.0)
        flat_img[idx] = finish(idx, bi, yf, _lerp(col, ground_snow(idx, bi, slope_f[idx], settle), 0.6 * settle[:, None]))

    # --- grass and sand: textured, lighter towards the horizon, snow in winter ---
    grass_cols = np.asarray([_GROUND[s][0] for s in season], np.float32)
    idx, bi, yf = pixels(GRASS)
    if idx.size:
        tex = (1.0 + 0.10 * fine_f[idx] + 0.08 * mid_f[idx]) * (1.0 + 0.06 * streak_f[idx])
        col = grass_cols[bi] * (tex * (0.92 + 0.16 * depth_f[idx]))[:, None]
        settle = settled_snow(idx, bi)
        flat_img[idx] = finish(idx, bi, yf, _lerp(col, ground_snow(idx, bi, slope_f[idx], settle), settle[:, None]))
    idx, bi, yf = pixels(SAND)
    if idx.size:
        ripples = 1.0 + 0.06 * fine_f[idx] + 0.05 * np.sin(streak_f[idx] * 6 + yf * 60)
        col = np.float32([0.86, 0.76, 0.54]) * ripples[:, None]
        settle = settled_snow(idx, bi)
        flat_img[idx] = finish(idx, bi, yf, _lerp(col, ground_snow(idx, bi, slope_f[idx], settle), 0.9 * settle[:, None]))

    # --- trees: sphere-like shading from the sun side, season colours, snow on top ---
    idx, bi, yf = pixels(TREE)
    if idx.size:
        kind = layout.tree_kind.reshape(-1)[idx][:, None]
        tone = layout.tree_tone.reshape(-1)[idx]
        nx, ny = layout.tree_nx.reshape(-1)[idx], layout.tree_ny.reshape(-1)[idx]
        summer_canopy = np.asarray([_GROUND[s][1] or (0, 0, 0) for s in season], np.float32)[bi]
        leaf_idx = np.minimum((tone * len(_AUTUMN_LEAVES)).astype(np.int64), len(_AUTUMN_LEAVES) - 1)
        canopy = np.where(autumn[bi, None], _AUTUMN_LEAVES[leaf_idx], summer_canopy + 0.06 * (tone[:, None] - 0.5))
        conifer = np.float32([0.08, 0.24, 0.13]) * (0.9 + 0.2 * tone[:, None])
        leaf = np.where(kind == 2, conifer, canopy)
        shade = np.clip(0.78 + 0.32 * (light_dir[bi] * nx - 0.7 * ny) + 0.18 * fine_f[idx], 0.35, 1.45)[:, None]
        leaf = leaf * shade
        snow_on_leaf = (np.clip(-ny * 1.5 + 0.4 * fine_f[idx] - 0.1, 0, 1) * winter[bi])[:, None]
        leaf = _lerp(leaf, snow_col * 0.9 * shade, 0.8 * snow_on_leaf)
        trunk = np.float32([0.28, 0.19, 0.12]) * (0.9 + 0.2 * fine_f[idx])[:, None]
        flat_img[idx] = finish(idx, bi, yf, np.where(kind == 3, trunk, leaf))

    # Contact shadows under trees, on the ground around them.
    occ = layout.occlusion.reshape(-1)
    shadowed = np.flatnonzero((occ > 0) & (flat_label != TREE))
    flat_img[shadowed] *= (1.0 - 0.45 * occ[shadowed])[:, None]

    # --- water: mirrored scene above the horizon with ripples, or ice in winter ---
    idx, bi, yf = pixels(WATER)
    if idx.size:
        yi, xi = (idx % hw) // w, idx % w
        h_row = horizon_row[bi]
        f, st = fine_f[idx], streak_f[idx]
        src_y = np.clip((2 * h_row - yi - 1 + st * 1.5 + f * 0.8).astype(np.int64), 0, h - 1)
        src_x = np.clip(xi + (f * 1.2).astype(np.int64), 0, w - 1)
        mirrored = flat_img[bi * hw + src_y * w + src_x]
        above = src_y < h_row  # only the scene above the horizon can be mirrored
        # The mirrored scene is already lit; only the water's own colours take the light.
        deep = np.float32([0.10, 0.24, 0.36]) * style.light[bi]
        g_water = np.clip((yi + 0.5 - h_row) / np.maximum(h - h_row, 1), 0, 1)[:, None]
        reflect = np.where(above[:, None], 0.82 * mirrored, deep)
        col = _lerp(reflect, deep * (1 + 0.1 * f[:, None]), 0.25 + 0.45 * g_water)
        col = col + np.clip(st * 2.5 - 3.0, 0, 1)[:, None] * 0.25  # glints
        ice = np.float32([0.72, 0.82, 0.90]) * (0.9 + 0.08 * f + 0.05 * st)[:, None] * style.light[bi]
        frozen = (winter & style.ice)[bi][:, None]
        flat_img[idx] = finish(idx, bi, yf, np.where(frozen, _lerp(ice, mirrored, 0.15), col), lit=False)

    # --- global grading: colour temperature and grain ---
    warm = style.warmth[:, None] * np.float32([1.0, 0.0, -1.0]) + style.hue_jitter
    img *= 255.0
    img += (255.0 * warm + 0.5)[:, None, None, :]
    img += (255.0 * 0.012 * grain)[..., None]
    np.clip(img, 0.0, 255.0, out=img)
    return img.astype(np.uint8)


def render_batch(
    layout_seeds: Sequence[int],
    style_seeds: Sequence[int],
    size: int,
    seasons: Sequence[str | None] | None = None,
    times_of_day: Sequence[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Labels [B, H, W] uint8 and images [B, H, W, 3] uint8 for paired seeds."""
    if len(layout_seeds) != len(style_seeds):
        raise ValueError("one style seed per layout seed is needed")
    if size < 16:
        raise ValueError(f"size must be at least 16 pixels, got {size}")
    layout = render_layouts(layout_seeds, size)
    style, rngs = draw_styles(style_seeds, seasons, times_of_day)
    return layout.label, render_images(layout, style, rngs)


def render(
    layout_seed: int,
    style_seed: int,
    size: int,
    season: str | None = None,
    time_of_day: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """One landscape: (label [H, W] uint8, image [H, W, 3] uint8)."""
    labels, images = render_batch([layout_seed], [style_seed], size, [season], [time_of_day])
    return labels[0], images[0]


def iter_batches(
    n: int,
    size: int,
    seed: int = 0,
    batch_size: int | None = None,
    season: str | None = None,
    time_of_day: str | None = None,
    first_index: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (labels, images, layout_seeds, style_seeds) batches for n images.

    Image k of a run uses layout seed ``seed * 1_000_003 + first_index + k`` and a
    style seed derived from it, so any image can be re-rendered alone.
    """
    batch_size = batch_size or auto_batch_size(size)
    for start in range(0, n, batch_size):
        k = np.arange(start, min(start + batch_size, n), dtype=np.int64) + first_index
        layout_seeds = seed * 1_000_003 + k
        style_seeds = layout_seeds * 7 + 3
        labels, images = render_batch(
            layout_seeds.tolist(), style_seeds.tolist(), size,
            [season] * len(k), [time_of_day] * len(k),
        )
        yield labels, images, layout_seeds, style_seeds


def palette() -> dict:
    """The palette.json content: class names and colours, indexed by class id."""
    return {"classes": [{"id": i, **c} for i, c in enumerate(LANDSCAPE_CLASSES)]}


def colorize(label: np.ndarray) -> np.ndarray:
    """Label map -> RGB visualisation using the class colours."""
    table = np.zeros((256, 3), np.uint8)
    table[: len(LANDSCAPE_CLASSES)] = [c["color"] for c in LANDSCAPE_CLASSES]
    return table[label]


def _save_png(array: np.ndarray, path: str) -> None:
    Image.fromarray(array).save(path, compress_level=1)


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link dst to src (no extra disk), copying where links are not possible."""
    if os.path.exists(dst):
        os.remove(dst)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _caption_items(labels: np.ndarray, layout_seeds: np.ndarray, style_seeds: np.ndarray, season: str | None,
                   time_of_day: str | None, first: int, width: int) -> list[dict]:
    """captions.json records of one batch: the style is drawn again from its seeds (cheap) for season and time."""
    from trainer.synthetic.captions import captions_for, landscape_facts, landscape_split

    style, _ = draw_styles(style_seeds.tolist(), [season] * len(labels), [time_of_day] * len(labels))
    items = []
    for k, label in enumerate(labels):
        facts = landscape_facts(label, style.season[k], style.time_of_day[k])
        items.append({"file": f"{first + k:0{width}d}.png", "split": landscape_split(facts), "facts": facts,
                      "captions": captions_for(facts, "landscapes", int(layout_seeds[k]))})
    return items


def make_landscapes(
    out: str,
    n: int,
    size: int,
    seed: int = 0,
    batch_size: int | None = None,
    season: str | None = None,
    time_of_day: str | None = None,
    cyclegan_n: int | None = None,
    pix2pix: bool = True,
    progress: bool = False,
    captions: bool = True,
) -> dict:
    """Write a landscape dataset under `out` and return what meta.json records.

    Layout: labels/NNNNN.png (class ids), images/NNNNN.png (photos),
    palette.json, pix2pix/A (label maps in the palette colours) and pix2pix/B
    (the photos, hard-linked where possible), cyclegan/trainA (summer day) and
    cyclegan/trainB (winter day) rendered from disjoint layout seeds (unpaired),
    and meta.json. cyclegan_n=0 skips the CycleGAN sets. With `captions`,
    captions.json describes every photo of images/ (trainer/synthetic/captions.py).
    """
    cyclegan_n = n if cyclegan_n is None else cyclegan_n
    names = ["labels", "images"] + (["pix2pix/A", "pix2pix/B"] if pix2pix else [])
    names += ["cyclegan/trainA", "cyclegan/trainB"] if cyclegan_n else []
    dirs = {k: os.path.join(out, k) for k in names}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    width = max(5, len(str(max(n, cyclegan_n) - 1)))
    index = 0
    caption_items: list[dict] = []
    for labels, images, layout_seeds, style_seeds in iter_batches(n, size, seed, batch_size, season, time_of_day):
        if captions:
            caption_items += _caption_items(labels, layout_seeds, style_seeds, season, time_of_day, index, width)
        for label, image in zip(labels, images):
            name = f"{index:0{width}d}.png"
            _save_png(label, os.path.join(dirs["labels"], name))
            _save_png(image, os.path.join(dirs["images"], name))
            if pix2pix:
                _save_png(colorize(label), os.path.join(dirs["pix2pix/A"], name))
                _link_or_copy(os.path.join(dirs["images"], name), os.path.join(dirs["pix2pix/B"], name))
            index += 1
        if progress:
            print(f"landscapes {index}/{n}", flush=True)
    # Unpaired domains: A and B draw their layouts from index ranges no other set uses.
    domains = {"trainA": ("summer", n), "trainB": ("winter", n + cyclegan_n)}
    for folder, (domain_season, first) in (domains.items() if cyclegan_n else ()):
        index = 0
        for _, images, _, _ in iter_batches(cyclegan_n, size, seed, batch_size, domain_season, "day", first):
            for image in images:
                _save_png(image, os.path.join(dirs[f"cyclegan/{folder}"], f"{index:0{width}d}.png"))
                index += 1
    meta = {
        "generator": "ganstudio.synthetic.landscapes/1",
        "n": n,
        "size": size,
        "seed": seed,
        "season": season,
        "time_of_day": time_of_day,
        "layout_seed": "seed * 1000003 + index",
        "style_seed": "layout_seed * 7 + 3",
        "pix2pix": pix2pix,
        "cyclegan": {
            "n": cyclegan_n,
            "trainA": {"season": "summer", "time_of_day": "day", "first_index": n},
            "trainB": {"season": "winter", "time_of_day": "day", "first_index": n + cyclegan_n},
        },
        "classes": [c["name"] for c in LANDSCAPE_CLASSES],
    }
    if captions:
        from trainer.synthetic.captions import write_captions

        write_captions(out, "landscapes", caption_items)
    with open(os.path.join(out, "palette.json"), "w", encoding="utf-8") as f:
        json.dump(palette(), f, indent=1)
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return meta
