"""Procedural faces with CelebA-style attributes, for StarGAN.

An *identity* seed fixes everything about a person that the attributes do not
control (face shape, skin, eyes, both a long and a short hair style, beard
style, background, clothes). The attributes then choose between those
alternatives: the same identity can be rendered blond or black-haired, smiling
or not, with or without glasses, male or female, young or old. Every identity
draws the same random numbers in the same order whatever the attributes, so
flipping one attribute leaves the rest of the face alone.

Rendering is vectorised over the batch: shapes are signed-distance-like fields
turned into anti-aliased coverage, and each feature is evaluated only inside
the window of rows/columns it can touch.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

import numpy as np
from PIL import Image

from trainer.synthetic.noise import auto_batch_size, fractal_2d

# In the order CelebA's list_attr_celeba.txt uses. Hair colours are exclusive.
FACE_ATTRIBUTES: list[str] = ["Black_Hair", "Blond_Hair", "Brown_Hair", "Eyeglasses", "Male", "Smiling", "Young"]
HAIR_COLOURS = ("Black_Hair", "Blond_Hair", "Brown_Hair")
_ATTR_INDEX = {name: i for i, name in enumerate(FACE_ATTRIBUTES)}
_IDENTITY_TAG = 0xFACE
_ATTR_TAG = 0xA77

_HAIR_BASE = {  # dark and light end of each hair colour; identity picks a shade between
    "Black_Hair": ((0.04, 0.035, 0.035), (0.14, 0.11, 0.10)),
    "Blond_Hair": ((0.72, 0.56, 0.30), (0.93, 0.82, 0.55)),
    "Brown_Hair": ((0.26, 0.15, 0.08), (0.46, 0.28, 0.14)),
}
_SKIN_RAMP = np.array(
    [(0.98, 0.84, 0.74), (0.94, 0.76, 0.62), (0.84, 0.63, 0.47), (0.66, 0.46, 0.32), (0.45, 0.30, 0.21)], np.float32
)
_IRIS = np.array([(0.30, 0.18, 0.08), (0.22, 0.42, 0.62), (0.28, 0.46, 0.28), (0.42, 0.30, 0.15)], np.float32)
_FRAMES = np.array([(0.05, 0.05, 0.06), (0.30, 0.18, 0.09), (0.72, 0.60, 0.32), (0.55, 0.10, 0.12)], np.float32)


def attributes_vector(attrs: Mapping[str, bool] | Sequence[int] | np.ndarray) -> np.ndarray:
    """A {name: bool} mapping or a ±1/0-1 sequence -> bool vector in FACE_ATTRIBUTES order."""
    if isinstance(attrs, Mapping):
        unknown = set(attrs) - set(FACE_ATTRIBUTES)
        if unknown:
            raise ValueError(f"unknown face attributes {sorted(unknown)}; known: {FACE_ATTRIBUTES}")
        vec = np.array([bool(attrs.get(n, False)) for n in FACE_ATTRIBUTES])
    else:
        values = np.asarray(attrs)
        if values.shape != (len(FACE_ATTRIBUTES),):
            raise ValueError(f"expected {len(FACE_ATTRIBUTES)} attribute values, got shape {values.shape}")
        vec = values > 0
    if vec[[_ATTR_INDEX[h] for h in HAIR_COLOURS]].sum() > 1:
        raise ValueError("hair colours are exclusive: set at most one of " + ", ".join(HAIR_COLOURS))
    return vec


def sample_attributes(identity_seed: int) -> np.ndarray:
    """A plausible attribute vector for an identity (exactly one hair colour)."""
    r = np.random.default_rng([int(identity_seed), _ATTR_TAG])
    vec = np.zeros(len(FACE_ATTRIBUTES), bool)
    vec[_ATTR_INDEX[HAIR_COLOURS[r.choice(3, p=[0.36, 0.3, 0.34])]]] = True
    vec[_ATTR_INDEX["Eyeglasses"]] = r.random() < 0.25
    vec[_ATTR_INDEX["Male"]] = r.random() < 0.45
    vec[_ATTR_INDEX["Smiling"]] = r.random() < 0.5
    vec[_ATTR_INDEX["Young"]] = r.random() < 0.7
    return vec


@dataclass
class _Identity:
    """Per-image identity parameters as [B] (or [B, 3]) arrays."""

    values: dict[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


# Head placement in the frame (centre offset and size), as fractions of half the image.
_PLACEMENT = {"cx": (-0.05, 0.05), "cy": (-0.04, 0.04), "scale": (0.93, 1.04)}


def _draw_identities(rngs: list[np.random.Generator]) -> _Identity:
    """Every draw happens for every identity, whatever its attributes."""
    scalar_ranges = {
        **_PLACEMENT,
        "face_w": (0.37, 0.43), "face_h": (0.50, 0.57), "taper": (0.0, 1.0),
        "skin": (0.0, 1.0), "eye_x": (0.15, 0.18), "eye_y": (-0.03, 0.02), "eye_w": (0.075, 0.09),
        "gaze": (-0.3, 0.3), "iris": (0.0, 1.0), "brow_arch": (0.01, 0.035), "brow_y": (0.085, 0.11),
        "nose_y": (0.16, 0.21), "nose_w": (0.035, 0.05), "mouth_y": (0.31, 0.35), "mouth_w": (0.11, 0.145),
        "lip_red": (0.0, 1.0), "hair_shade": (0.0, 1.0), "volume": (0.04, 0.1), "long_len": (0.45, 1.05),
        "fringe": (0.0, 1.0), "part": (-0.25, 0.25), "short_top": (0.03, 0.08), "beard": (0.0, 1.0),
        "beard_len": (0.0, 1.0), "frame": (0.0, 1.0), "frame_square": (0.0, 1.0), "light": (-1.0, 1.0),
        "bg_hue": (0.0, 1.0), "cloth_hue": (0.0, 1.0),
    }
    out = {k: np.empty(len(rngs), np.float32) for k in scalar_ranges}
    for i, r in enumerate(rngs):
        for k, (lo, hi) in scalar_ranges.items():
            out[k][i] = r.uniform(lo, hi)
    return _Identity(out)


def _hsv_colour(hue: np.ndarray, sat: float, val: float) -> np.ndarray:
    """[B] hues in [0, 1] -> [B, 3] RGB."""
    k = (np.array([5.0, 3.0, 1.0], np.float32)[None, :] + hue[:, None] * 6.0) % 6.0
    return (val - val * sat * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)).astype(np.float32)


class _Canvas:
    """A batch of images plus each image's head placement; paints features in windows."""

    def __init__(self, size: int, ident: _Identity) -> None:
        self.size = size
        b = len(ident.cx)
        self.img = np.zeros((b, size, size, 3), np.float32)
        half = size / 2.0
        self.px = (half * (1.0 + ident.cx)).astype(np.float32)  # head centre, pixels
        self.py = (half * (1.0 + ident.cy)).astype(np.float32)
        self.s = (half * ident.scale).astype(np.float32)  # pixels per face unit
        self.pixel = (1.0 / self.s)[:, None, None]  # one pixel in face units, [B, 1, 1]

    def window(self, u0: float, u1: float, v0: float, v1: float) -> tuple[slice, slice, np.ndarray, np.ndarray]:
        """Rows/cols covering face-unit box [u0, u1] x [v0, v1] for any head placement; U [B,1,w], V [B,h,1].

        The window depends on the placement *ranges*, not on this batch, so a face
        comes out the same whatever batch it is rendered in.
        """
        half = self.size / 2.0
        (c_lo, c_hi), (s_lo, s_hi) = _PLACEMENT["cx"], _PLACEMENT["scale"]
        (r_lo, r_hi) = _PLACEMENT["cy"]
        x0 = int(np.floor(half * (1.0 + c_lo + min(u0 * s_lo, u0 * s_hi)))) - 1
        x1 = int(np.ceil(half * (1.0 + c_hi + max(u1 * s_lo, u1 * s_hi)))) + 1
        y0 = int(np.floor(half * (1.0 + r_lo + min(v0 * s_lo, v0 * s_hi)))) - 1
        y1 = int(np.ceil(half * (1.0 + r_hi + max(v1 * s_lo, v1 * s_hi)))) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = max(min(x1, self.size), x0), max(min(y1, self.size), y0)
        xs = np.arange(x0, x1, dtype=np.float32) + 0.5
        ys = np.arange(y0, y1, dtype=np.float32) + 0.5
        U = (xs[None, None, :] - self.px[:, None, None]) / self.s[:, None, None]
        V = (ys[None, :, None] - self.py[:, None, None]) / self.s[:, None, None]
        return slice(y0, y1), slice(x0, x1), U, V

    def coverage(self, sdf: np.ndarray) -> np.ndarray:
        """Anti-aliased coverage of a signed distance (face units, negative inside)."""
        return np.clip(0.5 - sdf / self.pixel, 0.0, 1.0)

    def paint(self, ys: slice, xs: slice, alpha: np.ndarray, colour: np.ndarray) -> None:
        """Blend colour ([B,1,1,3] or [B,h,w,3]) over the window with coverage alpha [B,h,w]."""
        region = self.img[:, ys, xs]
        region += (colour - region) * alpha[..., None]


def _col(values: np.ndarray) -> np.ndarray:
    """[B, 3] -> [B, 1, 1, 3]."""
    return values[:, None, None, :]


def _b(values: np.ndarray) -> np.ndarray:
    """[B] -> [B, 1, 1]."""
    return np.asarray(values, np.float32)[:, None, None]


def _ellipse_sdf(U: np.ndarray, V: np.ndarray, cu, cv, ru, rv) -> np.ndarray:
    """Approximate signed distance to an axis-aligned ellipse (exact on circles)."""
    r = np.sqrt(((U - cu) / ru) ** 2 + ((V - cv) / rv) ** 2)
    return (r - 1.0) * np.minimum(ru, rv)


def render_batch(identity_seeds: Sequence[int], attrs: np.ndarray, size: int) -> np.ndarray:
    """Faces [B, size, size, 3] uint8; attrs is a [B, len(FACE_ATTRIBUTES)] bool array."""
    if size < 16:
        raise ValueError(f"size must be at least 16 pixels, got {size}")
    attrs = np.asarray(attrs, bool)
    if attrs.shape != (len(identity_seeds), len(FACE_ATTRIBUTES)):
        raise ValueError(f"attrs must be [{len(identity_seeds)}, {len(FACE_ATTRIBUTES)}], got {attrs.shape}")
    if (attrs[:, [_ATTR_INDEX[h] for h in HAIR_COLOURS]].sum(axis=1) > 1).any():
        raise ValueError("hair colours are exclusive")
    rngs = [np.random.default_rng([int(s), _IDENTITY_TAG]) for s in identity_seeds]
    ident = _draw_identities(rngs)
    b = len(rngs)
    male, smiling = attrs[:, _ATTR_INDEX["Male"]], attrs[:, _ATTR_INDEX["Smiling"]]
    glasses, young = attrs[:, _ATTR_INDEX["Eyeglasses"]], attrs[:, _ATTR_INDEX["Young"]]
    old = ~young

    # Shared texture fields; drawn from the identity rngs so they belong to the person.
    strands = fractal_2d(rngs, [(4, max(size // 6, 4)), (8, max(size // 3, 4))], size, size, gain=0.7)
    mottle = fractal_2d(rngs, [(6, 6), (12, 12)], size, size)
    grain = np.stack([r.standard_normal((size, size), dtype=np.float32) for r in rngs])

    cv = _Canvas(size, ident)
    Yfull = (np.arange(size, dtype=np.float32) + 0.5) / size

    # --- colours ---
    ramp = ident.skin * (len(_SKIN_RAMP) - 1)
    lo = np.minimum(ramp.astype(int), len(_SKIN_RAMP) - 2)
    skin = _SKIN_RAMP[lo] + (_SKIN_RAMP[lo + 1] - _SKIN_RAMP[lo]) * (ramp - lo)[:, None]
    skin = np.where(old[:, None], skin * 0.93 + 0.04, skin)  # older skin: a little duller
    hair = np.zeros((b, 3), np.float32)
    for name, (dark, light) in _HAIR_BASE.items():
        c = np.asarray(dark, np.float32) + (np.asarray(light) - np.asarray(dark)) * ident.hair_shade[:, None]
        hair = np.where(attrs[:, _ATTR_INDEX[name], None], c, hair)
    no_colour = ~attrs[:, [_ATTR_INDEX[h] for h in HAIR_COLOURS]].any(axis=1)
    hair = np.where(no_colour[:, None], np.float32([0.45, 0.18, 0.08]), hair)  # auburn when none is set
    hair = np.where(old[:, None], hair * 0.4 + np.float32([0.55, 0.55, 0.56]) * 0.6, hair)  # greying
    iris = _IRIS[np.minimum((ident.iris * len(_IRIS)).astype(int), len(_IRIS) - 1)]
    lips = np.where(
        male[:, None], skin * np.float32([0.82, 0.6, 0.58]),
        skin * 0.35 + np.float32([0.62, 0.12, 0.18]) * (0.55 + 0.45 * ident.lip_red[:, None]),
    )
    frame = _FRAMES[np.minimum((ident.frame * len(_FRAMES)).astype(int), len(_FRAMES) - 1)]
    bg_top = _hsv_colour(ident.bg_hue, 0.25, 0.85)
    bg_bottom = _hsv_colour((ident.bg_hue + 0.08) % 1.0, 0.35, 0.55)
    cloth = _hsv_colour(ident.cloth_hue, 0.55, 0.6)
    light = _b(ident.light) * 0.12  # which side the key light comes from

    # --- background: vertical gradient with soft out-of-focus blotches ---
    t = Yfull[None, :, None, None]
    cv.img[:] = _col(bg_top) + (_col(bg_bottom) - _col(bg_top)) * t
    cv.img *= (1.0 + 0.06 * mottle)[..., None]

    fw, fh = _b(ident.face_w), _b(ident.face_h)
    vol = _b(ident.volume)
    long_hair = ~male

    # --- torso and shoulders ---
    ys, xs, U, V = cv.window(-1.4, 1.4, 0.55, 1.9)
    alpha = cv.coverage(_ellipse_sdf(U, V, 0.0, 1.32, 0.95, 0.62))
    shade = (1.0 - 0.25 * np.abs(U) - light * U)[..., None] * (1.0 + 0.05 * mottle[:, ys, xs, None])
    cv.paint(ys, xs, alpha, _col(cloth) * shade)

    # --- long hair behind the head (falls over the shoulders) ---
    length = _b(ident.long_len)
    ys, xs, U, V = cv.window(-0.8, 0.8, -0.7, 1.2)
    half_w = fw + vol + 0.08 + 0.06 * np.clip(V, 0, None)
    # Falls straight from the crown: a rectangle whose top follows the head's dome.
    strand = strands[:, ys, xs]
    sdf = np.maximum(np.abs(U) - half_w, V - length - 0.03 * strand)
    dome = _ellipse_sdf(U, V, 0.0, -0.07, fw + vol + 0.08, fh * 0.93 + vol + 0.03)
    sdf = np.maximum(sdf, np.where(V < -0.07, dome, -1.0))
    alpha = cv.coverage(sdf) * _b(long_hair)
    back_hair = _col(hair) * (0.62 + 0.18 * strand)[..., None]
    cv.paint(ys, xs, alpha, back_hair)

    # --- neck, with the shadow the jaw casts on it ---
    neck_w = np.where(male, 0.2, 0.16)[:, None, None] * fw / 0.4
    ys, xs, U, V = cv.window(-0.3, 0.3, 0.2, 1.1)
    sdf = np.maximum(np.abs(U) - neck_w - 0.05 * np.clip(V - 0.75, 0, None), 0.2 - V)
    shade = np.clip(0.72 + 0.3 * (V - fh) / 0.3, 0.7, 0.92) - light * U
    cv.paint(ys, xs, cv.coverage(sdf), _col(skin) * shade[..., None])

    # --- ears ---
    ys, xs, U, V = cv.window(-0.6, 0.6, -0.15, 0.25)
    for side in (-1.0, 1.0):
        sdf = _ellipse_sdf(U, V, side * (fw - 0.015), 0.06, 0.065, 0.11)
        cv.paint(ys, xs, cv.coverage(sdf), _col(skin) * (0.86 - side * light)[..., None])

    # --- face: rounder (female) or squarer (male) jaw, shaded like a rounded surface ---
    taper = np.where(male, 0.08 + 0.1 * ident.taper, 0.25 + 0.12 * ident.taper)[:, None, None]
    ys, xs, U, V = cv.window(-0.5, 0.5, -0.65, 0.65)
    vn = V / fh
    rx = fw * (1.0 - taper * np.clip(vn, 0, None) ** 2)
    r = np.sqrt((U / rx) ** 2 + vn**2)
    face_alpha = cv.coverage((r - 1.0) * fw)
    shade = 1.02 - 0.22 * r**4 - light * U / fw + 0.025 * mottle[:, ys, xs]
    face = _col(skin) * shade[..., None]
    # Cheeks: a touch of blush, stronger when smiling.
    blush = np.exp(-(((np.abs(U) - 0.2) / 0.08) ** 2 + ((V - 0.2) / 0.07) ** 2))
    blush_amount = (0.1 + 0.08 * _b(smiling)) * _b(~male)
    face = face + (np.float32([0.9, 0.35, 0.35]) - face) * (blush * blush_amount)[..., None]
    cv.paint(ys, xs, face_alpha, face)
    face_box = (ys, xs, U, V, face_alpha, r)

    ex, ey, ew = _b(ident.eye_x), _b(ident.eye_y), _b(ident.eye_w)
    my, mw = _b(ident.mouth_y), _b(ident.mouth_w) * np.where(smiling, 1.15, 1.0)[:, None, None]
    ny, nw = _b(ident.nose_y), _b(ident.nose_w)

    # --- age: forehead lines, crow's feet, folds; smiling deepens the cheek folds ---
    ys, xs, U, V, face_alpha, r = face_box
    wrinkle = np.zeros_like(U * V)
    for k in range(3):
        line_v = -0.22 - 0.06 * k + 0.02 * np.cos(U * 6.0)
        wrinkle += np.exp(-(((V - line_v) / 0.008) ** 2)) * np.clip(1 - (U / 0.26) ** 2, 0, 1)
    for side in (-1.0, 1.0):
        for k in (-1, 0, 1):
            du = U - side * (ex + ew + 0.03)
            dv = V - ey - k * 0.3 * np.abs(du) * np.sign(du) * side
            wrinkle += 0.8 * np.exp(-((dv / 0.006) ** 2)) * np.clip(1 - (du / 0.04) ** 2, 0, 1)
    fold = np.zeros_like(wrinkle)
    for side in (-1.0, 1.0):
        # Nasolabial fold: a curve from beside the nose down to the mouth corner.
        tpos = np.clip((V - ny + 0.03) / (my - ny + 0.06), 0, 1)
        curve_u = side * (nw + 0.04 + (mw + 0.02 - nw - 0.04) * tpos)
        fold += np.exp(-(((U - curve_u) / 0.012) ** 2)) * ((V > ny - 0.03) & (V < my + 0.03))
    age_depth = _b(old) * 0.16 * wrinkle + (_b(old) * 0.12 + _b(smiling) * 0.08) * fold
    region = cv.img[:, ys, xs]
    region *= (1.0 - age_depth * face_alpha)[..., None]

    # --- beard or stubble (men; identity decides which) ---
    has_beard = male & (ident.beard > 0.45)
    stubble = male & ~has_beard
    jaw = face_alpha * np.clip((V - (ny + 0.02)) / 0.05, 0, 1)
    mouth_hole = np.exp(-((U / (mw * 1.05)) ** 2 + ((V - my) / 0.045) ** 2) * 3.0)
    # Starts just under the nose in the middle and lower on the cheeks (longer beards: higher).
    beard_top = ny + 0.025 + (0.09 - 0.05 * _b(ident.beard_len)) * np.clip(np.abs(U) / 0.16, 0, 1) ** 2
    beard_mask = jaw * np.clip((V - beard_top) / 0.03, 0, 1) * np.clip((np.abs(U) - 0.0) / 0.02 + (V - ny) * 8, 0, 1)
    beard_mask = beard_mask * (1.0 - 0.8 * mouth_hole)
    beard_col = _col(hair) * (0.7 + 0.25 * strands[:, ys, xs] + 0.1 * mottle[:, ys, xs])[..., None]
    cv.paint(ys, xs, beard_mask * _b(has_beard) * 0.95, beard_col)
    cv.paint(ys, xs, beard_mask * _b(stubble) * 0.22, _col(hair) * 0.5)

    # --- eyes: whites, iris, pupil, highlight, lid line; narrower when smiling ---
    eh = ew * 0.48 * np.where(smiling, 0.78, 1.0)[:, None, None]
    ys, xs, U, V = cv.window(-0.36, 0.36, -0.12, 0.12)
    for side in (-1.0, 1.0):
        du = U - side * ex
        dv = V - ey
        t = np.clip(1.0 - (du / ew) ** 2, 0.0, None)
        lid = eh * t
        almond = np.maximum(np.abs(dv) - lid, np.abs(du) - ew)
        eye_alpha = cv.coverage(almond)
        # Socket shadow around the eye.
        socket = np.exp(-((du / (ew * 1.5)) ** 2 + ((dv + 0.01) / (eh * 2.4)) ** 2)) * 0.12
        region = cv.img[:, ys, xs]
        region *= (1.0 - socket)[..., None]
        cv.paint(ys, xs, eye_alpha, np.float32([0.95, 0.93, 0.9]))
        iris_u = du - _b(ident.gaze) * ew * 0.35
        iris_r = ew * 0.46
        iris_alpha = cv.coverage(np.sqrt(iris_u**2 + dv**2) - iris_r) * eye_alpha
        iris_shade = (0.75 + 0.4 * np.clip(dv / iris_r, -1, 1))[..., None]
        cv.paint(ys, xs, iris_alpha, _col(iris) * iris_shade)
        cv.paint(ys, xs, cv.coverage(np.sqrt(iris_u**2 + dv**2) - iris_r * 0.45) * eye_alpha, np.float32([0.02, 0.02, 0.02]))
        glint = cv.coverage(np.sqrt((iris_u + iris_r * 0.35) ** 2 + (dv + iris_r * 0.35) ** 2) - iris_r * 0.22) * eye_alpha
        cv.paint(ys, xs, glint, np.float32([1.0, 1.0, 1.0]))
        # Upper lid line and lashes (heavier for women).
        lash = np.where(male, 0.008, 0.014)[:, None, None]
        lid_line = cv.coverage(np.maximum(np.abs(dv + lid + lash * 0.3) - lash, np.abs(du) - ew * 1.08))
        cv.paint(ys, xs, lid_line * (t > 0), np.float32([0.08, 0.05, 0.04]))
        # Old: bags under the eyes.
        bag = np.exp(-((du / ew) ** 2 + ((dv - eh - 0.03) / 0.012) ** 2)) * 0.18
        region = cv.img[:, ys, xs]
        region *= (1.0 - bag * _b(old))[..., None]

    # --- eyebrows: arched bands in the hair colour (darker), thicker for men ---
    ys, xs, U, V = cv.window(-0.36, 0.36, -0.25, 0.0)
    thick = np.where(male, 0.024, 0.015)[:, None, None]
    brow_col = _col(np.where(old[:, None], hair * 0.8, hair * 0.65 + 0.02))
    for side in (-1.0, 1.0):
        du = U - side * ex
        bw = ew * 1.35
        t = np.clip(du / bw * side, -1.0, 1.0)
        centre = ey - _b(ident.brow_y) - _b(ident.brow_arch) * (1.0 - (t + 0.2) ** 2) + 0.01 * t
        width = thick * (1.0 - 0.55 * np.clip(t, 0, 1))  # tapers towards the outer end
        sdf = np.maximum(np.abs(V - centre) - width, np.abs(du) - bw)
        cv.paint(ys, xs, cv.coverage(sdf) * 0.92, brow_col)

    # --- nose: shadow down the far side, nostrils, shadow under the tip, highlight ---
    ys, xs, U, V = cv.window(-0.15, 0.15, -0.05, 0.28)
    side_u = -np.sign(_b(ident.light) + 1e-3) * nw * 0.8
    ridge = np.exp(-(((U - side_u) / 0.018) ** 2)) * np.clip((V - ey) / (ny - ey), 0, 1) * (V < ny)
    under = np.exp(-((U / (nw * 1.1)) ** 2 + ((V - ny - 0.018) / 0.012) ** 2))
    region = cv.img[:, ys, xs]
    region *= (1.0 - 0.22 * ridge - 0.28 * under)[..., None]
    for side in (-1.0, 1.0):
        sdf = _ellipse_sdf(U, V, side * nw * 0.55, ny + 0.005, nw * 0.38, 0.012)
        cv.paint(ys, xs, cv.coverage(sdf) * 0.75, _col(skin) * 0.35)
    tip = np.exp(-((U / (nw * 0.6)) ** 2 + ((V - ny + 0.03) / 0.02) ** 2)) * 0.12
    region += (1.0 - region) * tip[..., None]

    # --- mouth: open smile with teeth, or closed lips ---
    ys, xs, U, V = cv.window(-0.3, 0.3, 0.15, 0.5)
    t = np.clip(U / mw, -1.0, 1.0)
    inside_w = np.abs(U) - mw
    # Smile: a crescent opening whose corners turn up.
    top = my - 0.012 + 0.012 * (1 - t**2)
    bottom = my - 0.012 + 0.065 * (1 - t**2)
    opening = np.maximum(np.maximum(top - V, V - bottom), inside_w)
    lip_band = np.maximum(np.maximum(top - 0.016 * (1 - t**4) - V, V - bottom - 0.022 * (1 - t**2)), inside_w - 0.008)
    smile = _b(smiling)
    cv.paint(ys, xs, cv.coverage(lip_band) * smile, _col(lips))
    open_alpha = cv.coverage(opening) * smile
    teeth = (V < top + 0.55 * (bottom - top)) * np.clip(1.0 - np.abs(t) ** 6, 0, 1)
    mouth_col = np.where(teeth[..., None] > 0.5, np.float32([0.93, 0.91, 0.86]), np.float32([0.25, 0.06, 0.06]))
    cv.paint(ys, xs, open_alpha, mouth_col)
    # Closed: upper and lower lip around a slightly curved seam.
    seam = my + 0.004 * t**2
    upper = np.maximum(np.maximum(seam - 0.016 * (1 - t**4) - V, V - seam), inside_w)
    lower = np.maximum(np.maximum(V - seam - 0.024 * (1 - t**2), seam - V), inside_w)
    closed = _b(~smiling)
    cv.paint(ys, xs, cv.coverage(upper) * closed, _col(lips) * 0.85)
    cv.paint(ys, xs, cv.coverage(lower) * closed, _col(lips) * 1.05)
    seam_line = np.maximum(np.abs(V - seam) - 0.003, inside_w)
    cv.paint(ys, xs, cv.coverage(seam_line) * closed * 0.8, _col(lips) * 0.35)

    # --- front hair: a cap over the head down to the hairline, plus side curtains for long hair ---
    ys, xs, U, V = cv.window(-0.8, 0.8, -0.85, 1.2)
    strand = strands[:, ys, xs]
    part = _b(ident.part)
    # Women: full fringe or swept side part; men: short crop with a higher hairline.
    fringe = _b(ident.fringe)
    bangs_line = -0.17 - 0.04 * np.cos(U * 9.0) * 0.3 - 0.06 * (U / fw) ** 2
    swept_line = -0.28 + 0.14 * np.clip((U - part) / fw, -1, 1) * np.sign(part + 1e-3) - 0.05 * (U / fw) ** 2
    female_line = np.where(fringe > 0.5, bangs_line, swept_line)
    # Men: a high hairline that drops at the temples to meet the sideburns; receding when old.
    temples_down = 0.26 * np.clip((np.abs(U) / fw - 0.72) / 0.22, 0, 1)
    male_line = -0.33 - 0.04 * (U / fw) ** 2 + temples_down - 0.08 * _b(old) * np.exp(-((np.abs(U) - 0.15) / 0.08) ** 2)
    hairline = np.where(_b(male), male_line, female_line)
    top_vol = np.where(_b(male), _b(ident.short_top), vol + 0.03)
    cap = _ellipse_sdf(U, V, 0.0, -0.07, fw + np.where(_b(male), 0.02, vol), fh * 0.93 + top_vol)
    cap = np.maximum(cap, V - hairline)
    # Temples/sideburns: hair beside the upper face above the ear.
    temple = np.maximum(np.maximum(np.abs(U) - fw - 0.01, fw * 0.86 - np.abs(U)), V - np.where(_b(male), 0.02, 0.1))
    temple = np.maximum(temple, -0.35 - V)
    temple = np.maximum(temple, _ellipse_sdf(U, V, 0.0, 0.0, fw + 0.012, fh + 0.012))  # stays on the head
    curtain = np.maximum(np.maximum(np.abs(U) - fw - vol - 0.02 * (1 + V), fw * 0.8 - np.abs(U)), V - length)
    curtain = np.maximum(curtain, -0.4 - V)
    hair_sdf = np.minimum(np.minimum(cap, temple), np.where(_b(long_hair), curtain, 9.0))
    alpha = cv.coverage(hair_sdf)
    sheen = np.exp(-(((V + 0.42 + 0.1 * U**2) / 0.06) ** 2)) * 0.35  # light band across the crown
    hair_shade = 0.72 + 0.22 * strand + sheen - 0.25 * np.clip(V / 0.8, 0, 1) - light * U
    cv.paint(ys, xs, alpha, _col(hair) * hair_shade[..., None])

    # --- glasses: rims around the eyes, bridge, arms to the ears, a faint lens sheen ---
    ys, xs, U, V = cv.window(-0.5, 0.5, -0.16, 0.14)
    square = 2.0 + 4.0 * _b(ident.frame_square)
    gr_u, gr_v = ew * 1.55, ew * 1.15
    rim_t = 0.011 + 0.006 * _b(ident.frame_square)
    lens_total = np.zeros_like(U * V)
    g_on = _b(glasses)
    for side in (-1.0, 1.0):
        du = (U - side * ex) / gr_u
        dv = (V - ey + 0.005) / gr_v
        rr = (np.abs(du) ** square + np.abs(dv) ** square) ** (1.0 / square)
        rim = np.abs(rr - 1.0) * gr_v - rim_t
        lens = cv.coverage((rr - 1.0) * gr_v)
        lens_total = np.maximum(lens_total, lens)
        region = cv.img[:, ys, xs]
        glare = np.clip(1.0 - np.abs(du + dv + 0.35) * 4.0, 0.0, 1.0) * 0.25 + 0.05
        region += ((1.0 - region) * (glare * lens * g_on)[..., None])
        cv.paint(ys, xs, cv.coverage(rim) * g_on, _col(frame))
        arm = np.maximum(np.abs(V - ey + 0.02) - rim_t * 0.7, np.maximum(side * (side * ex + gr_u) - side * U, side * U - fw - 0.01))
        cv.paint(ys, xs, cv.coverage(arm) * g_on, _col(frame))
    bridge = np.maximum(np.abs(V - ey + 0.025 + 0.01 * np.cos(U * 20)) - rim_t * 0.8, np.abs(U) - (ex - gr_u) - 0.005)
    cv.paint(ys, xs, cv.coverage(bridge) * g_on, _col(frame))

    # --- finish: soft vignette and grain ---
    r2 = ((np.arange(size, dtype=np.float32) + 0.5) / size - 0.5) ** 2
    vignette = 1.0 - 0.25 * (r2[None, :, None] + r2[None, None, :])
    img = cv.img
    img *= vignette[..., None]
    img += 0.01 * grain[..., None]
    np.clip(img, 0.0, 1.0, out=img)
    img *= 255.0
    img += 0.5
    return img.astype(np.uint8)


def render(seed: int, attrs: Mapping[str, bool] | Sequence[int] | np.ndarray | None, size: int) -> np.ndarray:
    """One face [size, size, 3] uint8. attrs=None uses the identity's sampled attributes."""
    vec = sample_attributes(seed) if attrs is None else attributes_vector(attrs)
    return render_batch([seed], vec[None, :], size)[0]


def iter_batches(
    n: int, size: int, seed: int = 0, batch_size: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (images, attrs [B, A] bool, identity_seeds) for n faces.

    Face k uses identity seed ``seed * 1_000_003 + k`` and the attributes that
    sample_attributes draws for it.
    """
    batch_size = batch_size or auto_batch_size(size)
    for start in range(0, n, batch_size):
        seeds = seed * 1_000_003 + np.arange(start, min(start + batch_size, n), dtype=np.int64)
        attrs = np.stack([sample_attributes(int(s)) for s in seeds])
        yield render_batch(seeds.tolist(), attrs, size), attrs, seeds


def format_attribute_file(names: Sequence[str], attrs: np.ndarray) -> str:
    """CelebA list_attr_celeba.txt layout: count, attribute names, then 'file  1 -1 ...' rows."""
    lines = [str(len(names)), " ".join(FACE_ATTRIBUTES)]
    for name, row in zip(names, attrs):
        lines.append(name + " " + " ".join(f"{1 if v else -1:2d}" for v in row))
    return "\n".join(lines) + "\n"


def make_faces(out: str, n: int, size: int, seed: int = 0, batch_size: int | None = None, progress: bool = False,
               captions: bool = True) -> dict:
    """Write out/images/NNNNN.png, out/list_attr.txt (CelebA format) and out/meta.json; with `captions`,
    out/captions.json describing every face (trainer/synthetic/captions.py)."""
    from trainer.synthetic.captions import captions_for, face_facts, face_split, write_captions

    image_dir = os.path.join(out, "images")
    os.makedirs(image_dir, exist_ok=True)
    width = max(5, len(str(n - 1)))
    names: list[str] = []
    all_attrs: list[np.ndarray] = []
    caption_items: list[dict] = []
    for images, attrs, seeds in iter_batches(n, size, seed, batch_size):
        for image, row, identity in zip(images, attrs, seeds):
            name = f"{len(names):0{width}d}.png"
            if captions:
                facts = face_facts(row)
                caption_items.append({"file": name, "split": face_split(facts), "facts": facts,
                                      "captions": captions_for(facts, "faces", int(identity))})
            Image.fromarray(image).save(os.path.join(image_dir, name), compress_level=1)
            names.append(name)
            all_attrs.append(row)
        if progress:
            print(f"faces {len(names)}/{n}", flush=True)
    attr_array = np.stack(all_attrs) if all_attrs else np.zeros((0, len(FACE_ATTRIBUTES)), bool)
    if captions:
        write_captions(out, "faces", caption_items)
    with open(os.path.join(out, "list_attr.txt"), "w", encoding="utf-8") as f:
        f.write(format_attribute_file(names, attr_array))
    meta = {
        "generator": "ganstudio.synthetic.faces/1",
        "n": n,
        "size": size,
        "seed": seed,
        "identity_seed": "seed * 1000003 + index",
        "attributes": FACE_ATTRIBUTES,
        "exclusive": [list(HAIR_COLOURS)],
        "attribute_file": "list_attr.txt",
    }
    with open(os.path.join(out, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    return meta
