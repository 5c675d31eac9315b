"""Faces in a photo: find them, cut each as a face model wants it, and paste an edited face back.

Detection uses OpenCV's Haar cascades, which its 4.x wheels carry (nothing is
downloaded; 5.x wheels no longer ship them): the frontal-face cascade finds
the faces, the eye cascade (then the one for eyes behind glasses) the eyes in
the upper part of each face, and the smile cascade a mouth in the lower part.
Haar cascades give boxes, not landmarks, so a point is a box's centre, and
what a cascade misses is estimated and said so:

* eyes: both must be found as a plausible pair (one in each half of the
  face, level within a sixth of the face, 0.25-0.65 of its width apart);
  otherwise both come from the face box (EYE_PRIOR: where the eyes sat in the
  frontal-face boxes of the test photos);
* mouth: a smile-cascade box is taken when its centre lies within
  MOUTH_ACCEPT eye distances of where the eyes put the mouth; otherwise the
  mouth is that place, MOUTH_DROP eye distances below the eyes' midpoint, at
  right angles to the line between them.

A photo with no face gives an empty list: nothing is guessed.

Warping and pasting use Pillow's affine transform with the square's own
matrix (`document.face_align`): a large face is first reduced by a whole
factor (box filter) and sampled at twice the output size, then halved, so a
downscaled face does not alias; outside the photo the pixels are mirrored, as
the FFHQ script pads, and with `soft_padding` also blurred and faded to the
median colour as it does. Pasting
works at the photo's full resolution, only inside the square's bounds: the
edited face (or only its change) is sampled back bicubically and blended in
with the feathered square as its mask.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np
from PIL import Image

from ganstudio.document.face_align import FacePoints, FaceSquare, align_square
from ganstudio.document.face_crop import REFERENCE_FEATHER, feather_mask

from .jobs import Job
from .session import RunContext, Session

DETECT_MAX_SIDE = 1024  # photos are searched at most this large (the boxes are scaled back)
EYE_PRIOR = ((0.30, 0.375), (0.70, 0.375))  # eye centres as fractions of a frontal-face box
MOUTH_DROP = 0.95  # mouth below the eyes' midpoint, in eye distances (0.89 and 1.02 on the test photos)
MOUTH_ACCEPT = 0.3  # a smile box is the mouth when its centre is this close (in eye distances) to the estimate
TILTS = (30.0, -30.0)  # turns (degrees) to search again when no upright face is found
FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADES = ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml")
SMILE_CASCADE = "haarcascade_smile.xml"


class FaceDetectorUnavailable(RuntimeError):
    """OpenCV (opencv-python-headless 4.x, with its cascades) is not installed."""


@dataclass(frozen=True)
class DetectedFace:
    """One face: its detector box (x, y, w, h in photo pixels) and the eye and mouth points."""

    box: tuple[float, float, float, float]
    points: FacePoints
    eyes_found: bool
    mouth_found: bool

    def square(self, style: str) -> FaceSquare:
        return align_square(self.points, style)


@lru_cache(maxsize=None)
def _cascade(name: str) -> Any:
    try:
        import cv2
    except ImportError as exc:  # an install without the dependency: say what is missing
        raise FaceDetectorUnavailable("face detection needs OpenCV: pip install 'opencv-python-headless>=4.8,<5'") from exc
    path = f"{cv2.data.haarcascades}{name}"
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise FaceDetectorUnavailable(f"OpenCV has no {name} (its 4.x wheels carry the Haar cascades; 5.x does not)")
    return cascade


def _gray(photo: np.ndarray) -> np.ndarray:
    """Luma (ITU-R 601) as uint8, by Pillow: no float copy of a large photo."""
    pixels = np.asarray(photo)
    if pixels.ndim == 2:
        return np.ascontiguousarray(pixels, dtype=np.uint8)
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., :3], dtype=np.uint8)).convert("L"))


def _find(cascade: Any, gray: np.ndarray, scale: float, neighbours: int, min_side: int, max_side: int | None = None) -> list[tuple[int, int, int, int]]:
    kwargs: dict[str, Any] = {"minSize": (min_side, min_side)}
    if max_side is not None:
        kwargs["maxSize"] = (max_side, max_side)
    found = cascade.detectMultiScale(gray, scaleFactor=scale, minNeighbors=neighbours, **kwargs)
    return [tuple(int(v) for v in row) for row in np.asarray(found).reshape(-1, 4)]


def _eye_pair(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """The two eye centres (photo pixels) found in the face's upper part, or None without a plausible pair."""
    x, y, w, h = box
    upper = gray[y : y + int(h * 0.6), x : x + w]
    for name in EYE_CASCADES:
        centres = [np.array([x + ex + ew / 2 - 0.5, y + ey + eh / 2 - 0.5]) for ex, ey, ew, eh in
                   _find(_cascade(name), upper, 1.05, 4, max(6, w // 10), max(8, w // 3))]
        left = [c for c in centres if c[0] < x + w / 2]
        right = [c for c in centres if c[0] >= x + w / 2]
        prior_l = np.array([x + EYE_PRIOR[0][0] * w, y + EYE_PRIOR[0][1] * h])
        prior_r = np.array([x + EYE_PRIOR[1][0] * w, y + EYE_PRIOR[1][1] * h])
        pairs = [(a, b) for a in left for b in right
                 if abs(a[1] - b[1]) < h / 6 and 0.25 * w <= np.hypot(*(b - a)) <= 0.65 * w]
        if pairs:
            return min(pairs, key=lambda p: np.hypot(*(p[0] - prior_l)) + np.hypot(*(p[1] - prior_r)))
    return None


def _mouth(gray: np.ndarray, box: tuple[int, int, int, int], left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, bool]:
    """The mouth: a smile-cascade box near the estimate (True), else the estimate from the eyes (False)."""
    x, y, w, h = box
    eye_to_eye = right - left
    distance = float(np.hypot(*eye_to_eye))
    estimate = (left + right) / 2 + MOUTH_DROP * np.array([-eye_to_eye[1], eye_to_eye[0]])
    top = y + h // 2
    lower = gray[top : y + h + h // 8, x : x + w]
    if lower.size == 0:
        return estimate, False
    found = _find(_cascade(SMILE_CASCADE), lower, 1.1, 10, max(8, w // 6))
    centres = [np.array([x + sx + sw / 2 - 0.5, top + sy + sh / 2 - 0.5]) for sx, sy, sw, sh in found]
    if centres:
        best = min(centres, key=lambda c: np.hypot(*(c - estimate)))
        if np.hypot(*(best - estimate)) <= MOUTH_ACCEPT * distance:
            return best, True
    return estimate, False


def _source(eyes_found: bool, mouth_found: bool) -> str:
    if eyes_found:
        return "eyes and mouth detected" if mouth_found else "eyes detected, mouth estimated"
    return "eyes estimated from the face box, mouth detected" if mouth_found else "eyes and mouth estimated from the face box"


def _detect_upright(gray: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, bool, bool]]:
    """(box corners (4, 2), points (3, 2), eyes found, mouth found) of the upright faces, in `gray`'s pixel coordinates."""
    min_side = max(24, min(gray.shape) // 20)
    found = []
    for box in sorted(_find(_cascade(FACE_CASCADE), gray, 1.1, 5, min_side), key=lambda b: -b[2] * b[3]):
        x, y, bw, bh = box
        pair = _eye_pair(gray, box)
        eyes_found = pair is not None
        if pair is None:
            pair = (np.array([x + EYE_PRIOR[0][0] * bw, y + EYE_PRIOR[0][1] * bh]), np.array([x + EYE_PRIOR[1][0] * bw, y + EYE_PRIOR[1][1] * bh]))
        mouth, mouth_found = _mouth(gray, box, *pair)
        corners = np.array([(x, y), (x + bw, y), (x + bw, y + bh), (x, y + bh)], np.float64) - 0.5  # pixel edges as indices
        found.append((corners, np.stack([pair[0], pair[1], mouth]), eyes_found, mouth_found))
    return found


def _detect_tilted(gray: np.ndarray, degrees: float) -> list[tuple[np.ndarray, np.ndarray, bool, bool]]:
    """`_detect_upright` on the photo turned `degrees` counter-clockwise on screen, mapped back to the photo's coordinates."""
    turned = Image.fromarray(gray).rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=128)
    h, w = gray.shape
    c_in = np.array([w / 2 - 0.5, h / 2 - 0.5])
    c_out = np.array([turned.width / 2 - 0.5, turned.height / 2 - 0.5])
    t = math.radians(degrees)
    forward = np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])  # photo -> turned (y down)
    back = lambda q: (q - c_out) @ forward + c_in  # noqa: E731  (row vectors: q @ forward == forward.T @ q)
    return [(back(corners), back(points), eyes, mouth) for corners, points, eyes, mouth in _detect_upright(np.asarray(turned))]


def detect_faces(photo: np.ndarray, tilts: Sequence[float] = TILTS) -> list[DetectedFace]:
    """Every frontal face in an RGB(A) or gray uint8 photo, largest first (an empty list when there is none).

    Haar cascades find faces up to about 20 degrees from upright; when none is
    found upright, the photo is searched again turned by each of `tilts`
    (faces with a found eye pair only; the turn that finds most wins), so a
    head tilted up to about 50 degrees is found too.
    """
    gray_full = _gray(photo)
    h, w = gray_full.shape
    factor = min(1.0, DETECT_MAX_SIDE / max(h, w))
    gray = gray_full
    if factor < 1.0:
        gray = np.asarray(Image.fromarray(gray_full).resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BOX))
    found = _detect_upright(gray)
    if not found:
        # a turned search finds more false faces (the turn's corners, patterns at odd angles): only faces whose
        # eyes were found count there, and the turn with the most of them wins
        turned = [[f for f in _detect_tilted(gray, degrees) if f[2]] for degrees in tilts]
        found = max(turned, key=len, default=[])
    scale = 1.0 / factor  # back to full-size pixel coordinates (pixel centres scale about -0.5)
    faces = []
    for corners, points, eyes_found, mouth_found in found:
        corners, points = (corners + 0.5) * scale - 0.5, (points + 0.5) * scale - 0.5
        x0, y0 = corners.min(axis=0) + 0.5
        x1, y1 = corners.max(axis=0) + 0.5
        faces.append(DetectedFace(
            box=(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
            points=FacePoints(*(tuple(float(v) for v in p) for p in points), _source(eyes_found, mouth_found)),
            eyes_found=eyes_found, mouth_found=mouth_found))
    return faces


# ---- warping ---------------------------------------------------------------------------------------------
def _pil_affine(matrix: np.ndarray, offset: tuple[float, float] = (0.0, 0.0)) -> tuple[float, ...]:
    """Pillow's AFFINE data for a pixel-index map `matrix` (output index -> input index), input shifted by `offset`.

    Pillow samples at pixel centres (index + 0.5) on both sides.
    """
    m = np.asarray(matrix, dtype=np.float64).copy()
    m[:, 2] -= np.asarray(offset, dtype=np.float64)
    c = m[:, 2] + 0.5 - 0.5 * (m[:, 0] + m[:, 1])
    return (m[0, 0], m[0, 1], c[0], m[1, 0], m[1, 1], c[1])


def _region(photo: np.ndarray, square: FaceSquare, margin: int) -> tuple[np.ndarray, int, int]:
    """The photo around the square's bounds (+margin), mirrored where it leaves the photo; and its offset."""
    h, w = photo.shape[:2]
    x0, y0, x1, y1 = square.bounds()
    left, top = int(math.floor(x0)) - margin, int(math.floor(y0)) - margin
    right, bottom = int(math.ceil(x1)) + margin + 1, int(math.ceil(y1)) + margin + 1
    cut = photo[max(top, 0) : min(bottom, h), max(left, 0) : min(right, w)]
    if cut.size == 0:
        raise ValueError("the face square lies outside the photo")
    pad = ((max(0, -top), max(0, bottom - h)), (max(0, -left), max(0, right - w))) + ((0, 0),) * (photo.ndim - 2)
    if any(p for pair in pad for p in pair):
        cut = np.pad(cut, pad, mode="symmetric")
    return np.ascontiguousarray(cut), left, top


def _gaussian_blur(pixels: np.ndarray, sigma: float) -> np.ndarray:
    """(h, w, c) float32 blurred with a Gaussian of `sigma` px (mirrored edges), separably."""
    import torch  # the engine's own dependency; only the soft padding needs it here
    import torch.nn.functional as F

    radius = max(1, int(math.ceil(4 * sigma)))
    taps = torch.exp(-0.5 * (torch.arange(-radius, radius + 1, dtype=torch.float32) / sigma) ** 2)
    taps = (taps / taps.sum()).view(1, 1, -1)
    x = torch.from_numpy(np.ascontiguousarray(pixels.transpose(2, 0, 1)))[:, None]  # channels as a batch
    for dim in (3, 2):
        pad = (radius, radius, 0, 0) if dim == 3 else (0, 0, radius, radius)
        kernel = taps.view(1, 1, 1, -1) if dim == 3 else taps.view(1, 1, -1, 1)
        x = F.conv2d(F.pad(x, pad, mode="reflect" if min(x.shape[2:]) > radius else "replicate"), kernel)
    return x[:, 0].numpy().transpose(1, 2, 0)


def _soften_padding(region: np.ndarray, square: FaceSquare, left: int, top: int, shrink: int, photo_size: tuple[int, int]) -> np.ndarray:
    """The FFHQ script's treatment of what lies outside the photo, on a (reduced) region that mirrors it there.

    Outside each photo edge the square crosses, a weight rises from 0 at the
    edge to 1 at the padding's width (at least 0.3 of the square's side, as
    the script pads); the mirrored pixels are blurred (sigma 0.02 of the side)
    with 3x that weight, starting a third of the width inside the photo, and
    then faded to the region's median colour with the weight itself.
    """
    w, h = photo_size
    qsize = square.size / shrink
    x0, y0, x1, y1 = square.bounds()
    border = max(round(qsize * 0.1), 3)
    least = round(qsize * 0.3)
    rh, rw = region.shape[:2]
    # photo coordinates of the region's pixel centres, and how far each lies outside an edge (region pixels)
    px = ((np.arange(rw) + 0.5) * shrink - 0.5 + left)
    py = ((np.arange(rh) + 0.5) * shrink - 0.5 + top)
    sides = [((-0.5 - x0) / shrink, (-0.5 - px) / shrink, "x"), ((x1 - (w - 0.5)) / shrink, (px - (w - 0.5)) / shrink, "x"),
             ((-0.5 - y0) / shrink, (-0.5 - py) / shrink, "y"), ((y1 - (h - 0.5)) / shrink, (py - (h - 0.5)) / shrink, "y")]
    mask = np.full((rh, rw), -np.inf, np.float32)
    for beyond, distance, axis in sides:
        if beyond <= 0:
            continue  # the square stays inside on this side
        width = max(beyond + border, least)
        ramp = (distance / width).astype(np.float32)
        mask = np.maximum(mask, ramp[None, :] if axis == "x" else ramp[:, None])
    if not np.isfinite(mask).any():
        return region
    img = region.astype(np.float32)
    img += (_gaussian_blur(img, qsize * 0.02) - img) * np.clip(mask * 3.0 + 1.0, 0.0, 1.0)[..., None]
    img += (np.median(img, axis=(0, 1)) - img) * np.clip(mask, 0.0, 1.0)[..., None]
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def warp_face(photo: np.ndarray, square: FaceSquare, resolution: int, *, soft_padding: bool = False) -> np.ndarray:
    """(resolution, resolution, 3) uint8: the square cut from an RGB(A) photo, turned upright, resampled without aliasing.

    Outside the photo the pixels are mirrored; with `soft_padding` they are
    also blurred and faded to the median colour as the FFHQ script does
    (`_soften_padding`), which is what FFHQ models saw at their borders.
    """
    rgb = np.asarray(photo)[..., :3]
    step = square.size / resolution
    shrink = max(1, int(step // 2))  # whole-factor box reduction first, so the rest is at most about 2:1
    margin = 2 * shrink + 2
    if soft_padding:  # room for the blur beyond the square, as the script's border gives it
        margin += shrink * max(3, round(square.size / shrink * 0.1))
    region, left, top = _region(rgb, square, margin=margin)
    image = Image.fromarray(region)
    matrix = square.matrix(resolution * 2)  # sampled at twice the size, then halved
    matrix[:, 2] -= (left, top)
    if shrink > 1:
        image = image.reduce(shrink)
        matrix = (matrix + np.array([[0, 0, 0.5], [0, 0, 0.5]])) / shrink - np.array([[0, 0, 0.5], [0, 0, 0.5]])
    if soft_padding:
        image = Image.fromarray(_soften_padding(np.asarray(image), square, left, top, shrink, (rgb.shape[1], rgb.shape[0])))
    big = image.transform((resolution * 2, resolution * 2), Image.Transform.AFFINE, _pil_affine(matrix), Image.Resampling.BILINEAR)
    return np.asarray(big.reduce(2))


def _sample_back(values: np.ndarray, square: FaceSquare, box: tuple[int, int, int, int], resample: Image.Resampling) -> np.ndarray:
    """(h, w, c) float32: aligned-image `values` (res, res, c) sampled at the photo pixels of `box` (x0, y0, x1, y1); 0 outside."""
    res = values.shape[0]
    x0, y0, x1, y1 = box
    inverse = square.inverse_matrix(res)
    inverse[:, 2] += inverse[:, 0] * x0 + inverse[:, 1] * y0  # output pixel (0, 0) is photo pixel (x0, y0)
    data = _pil_affine(inverse)
    size = (x1 - x0, y1 - y0)
    return np.stack([np.asarray(Image.fromarray(np.ascontiguousarray(values[..., c], dtype=np.float32), mode="F")
                                .transform(size, Image.Transform.AFFINE, data, resample, fillcolor=0.0))
                     for c in range(values.shape[-1])], axis=-1)


def paste_face(
    photo: np.ndarray,
    edited: np.ndarray,
    square: FaceSquare,
    *,
    reference: np.ndarray | None = None,
    feather: float = REFERENCE_FEATHER,
) -> np.ndarray:
    """The full-size photo with an aligned, edited face put back where `square` cut it.

    With `reference` (the model's picture of the face before the edit, same
    size as `edited`) only the change `edited - reference` is added to the
    photo, which keeps all its own detail; without it the edited face
    replaces the photo inside the square. `feather` is the soft edge as a
    fraction of the side. Alpha and pixels outside the square are kept.
    """
    res = edited.shape[0]
    if edited.shape[:2] != (res, res) or (reference is not None and reference.shape[:2] != edited.shape[:2]):
        raise ValueError("the edited face and its reference must be square images of one size")
    h, w = photo.shape[:2]
    bx0, by0, bx1, by1 = square.bounds()
    box = (max(0, int(math.floor(bx0))), max(0, int(math.floor(by0))), min(w, int(math.ceil(bx1)) + 1), min(h, int(math.ceil(by1)) + 1))
    if box[0] >= box[2] or box[1] >= box[3]:
        return photo.copy()
    mask = feather_mask(res, max(1, round(res * feather)))[..., None]
    weight = _sample_back(mask, square, box, Image.Resampling.BILINEAR)
    face = edited[..., :3].astype(np.float32)
    region = photo[box[1] : box[3], box[0] : box[2], :3].astype(np.float32)
    if reference is not None:
        change = _sample_back(face - reference[..., :3].astype(np.float32), square, box, Image.Resampling.BICUBIC)
        blended = region + weight * change
    else:
        # the face premultiplied by the mask, so the bicubic filter never reaches the zeros outside the square
        sampled = _sample_back(np.concatenate([face, np.ones_like(face[..., :1])], axis=-1), square, box, Image.Resampling.BICUBIC)
        inside = np.clip(sampled[..., 3:], 1e-6, None)
        blended = region + weight * (sampled[..., :3] / inside - region) * (sampled[..., 3:] > 0.5)
    out = photo.copy()
    out[box[1] : box[3], box[0] : box[2], :3] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    return out


# ---- jobs -------------------------------------------------------------------------------------------------
def faces_to_outputs(faces: Sequence[DetectedFace]) -> dict[str, np.ndarray]:
    """Detected faces as the plain arrays a result carries."""
    n = len(faces)
    return {
        "boxes": np.array([f.box for f in faces], np.float64).reshape(n, 4),
        "points": np.array([f.points.array() for f in faces], np.float64).reshape(n, 3, 2),
        "eyes_found": np.array([f.eyes_found for f in faces], bool),
        "mouth_found": np.array([f.mouth_found for f in faces], bool),
    }


def faces_from_outputs(outputs: Mapping[str, Any]) -> list[DetectedFace]:
    """The inverse of `faces_to_outputs`."""
    faces = []
    for box, pts, eyes, mouth in zip(outputs["boxes"], outputs["points"], outputs["eyes_found"], outputs["mouth_found"]):
        source = _source(bool(eyes), bool(mouth))
        faces.append(DetectedFace(tuple(float(v) for v in box), FacePoints(tuple(pts[0]), tuple(pts[1]), tuple(pts[2]), source), bool(eyes), bool(mouth)))
    return faces


@dataclass(frozen=True, kw_only=True, eq=False)
class DetectFacesJob(Job):
    """Find the faces of `photo` (RGB uint8): outputs as `faces_to_outputs` gives them. Needs no model."""

    channel: str = "faces"
    photo: np.ndarray

    session: ClassVar[Any] = "ganstudio.engine.faces:FacesSession"
    title: ClassVar[str] = "Face detection"


class FacesSession(Session):
    def run(self, job: Job, ctx: RunContext) -> Mapping[str, Any]:
        if not isinstance(job, DetectFacesJob):
            raise TypeError(f"FacesSession cannot run {type(job).__name__}")
        try:
            return faces_to_outputs(detect_faces(np.asarray(job.photo)))
        except FaceDetectorUnavailable as exc:
            raise ValueError(str(exc)) from exc
