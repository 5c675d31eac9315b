"""Where a face model wants the face: oriented squares from eye and mouth positions (numpy only).

A face model only works on faces cut the way its training data was cut. Two
conventions matter here:

* FFHQ (StyleGAN, e4e, pSp, HyperStyle). The FFHQ dataset script takes the
  eye centres and the mouth corners' midpoint and builds an oriented square:
  its "x" half-side is the eye-to-eye vector minus the eye-to-mouth vector
  turned a quarter, rescaled to the larger of twice the eye distance and 1.8
  times the eye-to-mouth distance; "y" is x turned a quarter; the centre is
  the eyes' midpoint moved a tenth of the way to the mouth. The square's
  corners are centre -x-y (top left), -x+y, +x+y, +x-y, and the aligned image
  samples that square (`ffhq_square`).
* CelebA (StarGAN). The "aligned and cropped" CelebA images (178x218) have
  the eyes, nose and mouth corners near fixed places (mean landmarks: eyes at
  (69, 111) and (108, 111), mouth corners at (72, 152) and (105, 152));
  StarGAN then takes the centred 178x178 square. `celeba_square` fits the
  similarity (move, turn, scale) that puts the eyes and the mouth where that
  square has them (least squares over the three points).

A `FaceSquare` is centre, side and angle in photo pixels; the user may move,
scale and turn it by hand. Coordinates are pixel indices (the centre of the
top-left pixel is (0, 0)), x to the right, y down. `square.matrix(n)` maps
an n x n aligned image's pixel indices to photo coordinates, so warping,
drawing and pasting back all use one definition.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

# CelebA's mean landmarks in its 178x218 aligned images, moved into StarGAN's centred 178x178 square
# (rows 20..197), as fractions of the square's side.
CELEBA_SIDE = 178.0
CELEBA_TOP = (218.0 - 178.0) / 2
CELEBA_TEMPLATE = np.array(
    [
        (69.0 / CELEBA_SIDE, (111.0 - CELEBA_TOP) / CELEBA_SIDE),  # left eye (image left)
        (108.0 / CELEBA_SIDE, (111.0 - CELEBA_TOP) / CELEBA_SIDE),  # right eye
        ((72.0 + 105.0) / 2 / CELEBA_SIDE, (152.0 - CELEBA_TOP) / CELEBA_SIDE),  # mouth: the corners' midpoint
    ]
)
# The project's procedural faces (trainer/synthetic/faces.py: head centred, eyes at +-0.165 face units,
# mouth 0.33 below them, 0.4925 of the side per unit), which the bundled faces-stargan learnt from.
SYNTHETIC_TEMPLATE = np.array([(0.5 - 0.0813, 0.4975), (0.5 + 0.0813, 0.4975), (0.5, 0.6625)])
STYLES = ("ffhq", "celeba", "synthetic")
STYLE_NAMES = {"ffhq": "FFHQ", "celeba": "CelebA", "synthetic": "synthetic faces"}


@dataclass(frozen=True)
class FacePoints:
    """Eye centres (image left, image right) and the mouth (the corners' midpoint), photo pixel coordinates.

    `source` says where they came from, for the user ("detected", "eyes
    detected, mouth estimated", ...).
    """

    left_eye: tuple[float, float]
    right_eye: tuple[float, float]
    mouth: tuple[float, float]
    source: str = ""

    def array(self) -> np.ndarray:
        """(3, 2) float64: left eye, right eye, mouth."""
        return np.array([self.left_eye, self.right_eye, self.mouth], dtype=np.float64)


@dataclass(frozen=True)
class FaceSquare:
    """An oriented square in a photo: centre (cx, cy), side, and angle in degrees (its top edge's direction, clockwise on screen)."""

    cx: float
    cy: float
    size: float
    angle: float = 0.0

    def axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors along the square's top edge (x) and down its left edge (y), in the photo."""
        a = math.radians(self.angle)
        ex = np.array([math.cos(a), math.sin(a)])
        return ex, np.array([-ex[1], ex[0]])

    def corners(self) -> np.ndarray:
        """(4, 2): top left, top right, bottom right, bottom left (the square's outline, pixel-edge to pixel-edge)."""
        ex, ey = self.axes()
        c = np.array([self.cx, self.cy])
        h = self.size / 2
        return np.stack([c - h * ex - h * ey, c + h * ex - h * ey, c + h * ex + h * ey, c - h * ex + h * ey])

    def matrix(self, resolution: int) -> np.ndarray:
        """(2, 3): photo coordinates of an aligned resolution x resolution image's pixel (u, v) are M @ (u, v, 1)."""
        ex, ey = self.axes()
        step = self.size / resolution
        origin = np.array([self.cx, self.cy]) + (0.5 * step - self.size / 2) * (ex + ey)
        return np.column_stack([step * ex, step * ey, origin])

    def inverse_matrix(self, resolution: int) -> np.ndarray:
        """(2, 3): the aligned image's pixel coordinates of a photo point."""
        return invert_affine(self.matrix(resolution))

    def bounds(self) -> tuple[float, float, float, float]:
        """The axis-aligned bounds (x0, y0, x1, y1) of the square's outline."""
        c = self.corners()
        return float(c[:, 0].min()), float(c[:, 1].min()), float(c[:, 0].max()), float(c[:, 1].max())

    def moved(self, dx: float, dy: float) -> "FaceSquare":
        return replace(self, cx=self.cx + dx, cy=self.cy + dy)

    def scaled(self, factor: float, min_size: float = 8.0) -> "FaceSquare":
        """The same centre and angle, side times `factor` (at least `min_size`)."""
        return replace(self, size=max(float(min_size), self.size * float(factor)))

    def rotated(self, degrees: float) -> "FaceSquare":
        """Turned about its centre; the angle is kept within (-180, 180]."""
        angle = (self.angle + degrees + 180.0) % 360.0 - 180.0
        return replace(self, angle=180.0 if angle == -180.0 else angle)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return self.cx, self.cy, self.size, self.angle


def square_from_box(x: float, y: float, size: float) -> FaceSquare:
    """The upright square covering the pixels x .. x+size-1, y .. y+size-1 (what a manual CropBox covers)."""
    return FaceSquare(x + size / 2 - 0.5, y + size / 2 - 0.5, float(size), 0.0)


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """(2, 3) -> (2, 3): the inverse of an invertible affine map."""
    a = np.asarray(matrix, dtype=np.float64)
    inv = np.linalg.inv(a[:, :2])
    return np.column_stack([inv, -inv @ a[:, 2]])


def map_points(matrix: np.ndarray, points: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    """(n, 2) points through a (2, 3) affine map."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    m = np.asarray(matrix, dtype=np.float64)
    return p @ m[:, :2].T + m[:, 2]


def ffhq_square(points: FacePoints) -> FaceSquare:
    """The FFHQ dataset's oriented square for these landmarks (see the module docstring)."""
    eye_left, eye_right, mouth = points.array()
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    eye_to_mouth = mouth - eye_avg
    # eye-to-mouth turned a quarter counter-clockwise on screen points along eye-to-eye for an upright face
    turned = np.array([eye_to_mouth[1], -eye_to_mouth[0]])
    x = eye_to_eye + turned
    norm = float(np.hypot(*x))
    if norm < 1e-9:
        raise ValueError("the eyes and the mouth are in one place: no face square can be built from them")
    half = max(float(np.hypot(*eye_to_eye)) * 2.0, float(np.hypot(*eye_to_mouth)) * 1.8)
    centre = eye_avg + eye_to_mouth * 0.1
    return FaceSquare(float(centre[0]), float(centre[1]), 2.0 * half, math.degrees(math.atan2(x[1], x[0])))


def similarity_fit(source: np.ndarray, target: np.ndarray) -> tuple[complex, complex]:
    """(w, t) with target ~ w * source + t as complex numbers: the least-squares move, turn and scale (no mirror)."""
    s = np.asarray(source, dtype=np.float64) @ np.array([1.0, 1j])
    d = np.asarray(target, dtype=np.float64) @ np.array([1.0, 1j])
    s0, d0 = s - s.mean(), d - d.mean()
    denom = float(np.sum(np.abs(s0) ** 2))
    if denom < 1e-12:
        raise ValueError("the landmarks are all in one place")
    w = complex(np.sum(np.conj(s0) * d0) / denom)
    return w, complex(d.mean() - w * s.mean())


def template_square(points: FacePoints, template: np.ndarray) -> FaceSquare:
    """The square in which the eyes and mouth fall nearest (least squares) to `template` (fractions of the side)."""
    # template fractions are of the square's outline; relative to its centre they are (t - 0.5) * side
    w, t = similarity_fit(np.asarray(template) - 0.5, points.array())
    size = abs(w)
    if size < 1e-6:
        raise ValueError("the landmarks are all in one place")
    return FaceSquare(t.real, t.imag, size, math.degrees(math.atan2(w.imag, w.real)))


def celeba_square(points: FacePoints) -> FaceSquare:
    """The square StarGAN's CelebA crop would give: eyes and mouth where the aligned CelebA images have them."""
    return template_square(points, CELEBA_TEMPLATE)


def align_square(points: FacePoints, style: str) -> FaceSquare:
    """`ffhq_square`, `celeba_square` or the synthetic faces' template square, by name."""
    if style == "ffhq":
        return ffhq_square(points)
    if style == "celeba":
        return celeba_square(points)
    if style == "synthetic":
        return template_square(points, SYNTHETIC_TEMPLATE)
    raise ValueError(f"unknown alignment {style!r}; expected one of {', '.join(STYLES)}")


def alignment_for_model(provenance: Mapping[str, Any] | None, default: str) -> str:
    """How a model's training faces were cut: its provenance's `alignment` when it says, "synthetic" for a model
    trained on the project's procedural faces (`make-data faces`), else `default` (the family's published data)."""
    provenance = provenance or {}
    stated = provenance.get("alignment")
    if isinstance(stated, str) and stated in STYLES:
        return stated
    command = provenance.get("data_command")
    if isinstance(command, str) and "make-data faces" in command:
        return "synthetic"
    return default
