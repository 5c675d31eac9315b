"""Faces in a photo: OpenCV detection on the shipped photos, FFHQ/CelebA warps, paste-back at full size, the job."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ganstudio.document.face_align import FacePoints, FaceSquare, celeba_square, ffhq_square, map_points
from ganstudio.engine.faces import DetectFacesJob, detect_faces, faces_from_outputs, paste_face, warp_face
from ganstudio.engine.runner import JobRunner

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
LANDMARKS = json.loads((FACES / "landmarks.json").read_text())
NO_FACE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "landscapes" / "landscape-1.png"


def photo(name: str) -> np.ndarray:
    return np.asarray(Image.open(FACES / name).convert("RGB"))


def marked(name: str) -> FacePoints:
    m = LANDMARKS[name]
    return FacePoints(tuple(m["left_eye"]), tuple(m["right_eye"]), tuple(m["mouth"]))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


@pytest.mark.parametrize("name", sorted(LANDMARKS))
def test_the_detector_finds_the_face_and_its_eyes_and_mouth(name: str) -> None:
    faces = detect_faces(photo(name))
    assert len(faces) == 1
    face = faces[0]
    truth = marked(name)
    eye_distance = float(np.hypot(*(np.array(truth.right_eye) - truth.left_eye)))
    # measured: eyes 0.7-4.7 px, mouths 3.6 and 10 px off the hand marks (eye distances 42 and 86 px)
    error = np.hypot(*(face.points.array() - truth.array()).T) / eye_distance
    assert error.max() < 0.15, (face.points.source, error)
    assert face.eyes_found
    x, y, w, h = face.box
    assert x <= truth.left_eye[0] and truth.right_eye[0] <= x + w and y <= truth.left_eye[1] and truth.mouth[1] <= y + h
    # the squares built from detected points are within a few percent of those from the hand marks
    for build in (ffhq_square, celeba_square):
        assert np.abs(build(face.points).corners() - build(truth).corners()).max() < 0.07 * build(truth).size


def test_several_faces_each_get_their_own_box() -> None:
    a, b = photo("astronaut.jpg"), photo("grace_hopper.jpg")
    group = np.zeros((600, 1024, 3), np.uint8)
    group[:512, :512] = a
    group[:, 512:] = b
    faces = detect_faces(group)
    assert len(faces) == 2
    centres = sorted((f.box[0] + f.box[2] / 2, f) for f in faces)
    for (cx, face), (offset, name) in zip(centres, ((0, "astronaut.jpg"), (512, "grace_hopper.jpg"))):
        truth = marked(name).array() + [offset, 0]
        assert np.hypot(*(face.points.array() - truth).T).max() < 12


@pytest.mark.parametrize("degrees", [30.0, -35.0])
def test_a_tilted_head_is_found_by_the_turned_search(degrees: float) -> None:
    """Upright Haar cascades miss a head tilted 30 degrees or more; the turned search finds it and its points."""
    centre = np.array([225.0, 120.0])
    tilted = np.asarray(Image.fromarray(photo("astronaut.jpg")).rotate(degrees, resample=Image.Resampling.BICUBIC, center=tuple(centre)))
    faces = detect_faces(tilted)
    assert len(faces) == 1 and faces[0].eyes_found
    t = np.radians(degrees)
    turn = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])  # Pillow turns counter-clockwise on screen (y down)
    truth = (marked("astronaut.jpg").array() - centre) @ turn.T + centre
    assert np.hypot(*(faces[0].points.array() - truth).T).max() < 8  # 42 px between the eyes
    upright = ffhq_square(marked("astronaut.jpg")).angle
    assert faces[0].square("ffhq").angle == pytest.approx(upright - degrees, abs=4)


def test_a_photo_without_a_face_gives_no_face() -> None:
    landscape = np.asarray(Image.open(NO_FACE).convert("RGB"))
    assert detect_faces(landscape) == []
    assert detect_faces(np.full((300, 400, 3), 128, np.uint8)) == []


def dots_photo(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A grey photo with a red, a green and a blue Gaussian dot (sigma 1.5 px) at the three points."""
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    img = np.full(shape + (3,), 40.0)
    for channel, (px, py) in enumerate(points):
        img[..., channel] += 215 * np.exp(-((xx - px) ** 2 + (yy - py) ** 2) / (2 * 1.5**2))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def centroid(channel: np.ndarray) -> np.ndarray:
    w = np.clip(channel.astype(np.float64) - 40, 0, None)
    w[w < 0.3 * w.max()] = 0
    yy, xx = np.mgrid[: channel.shape[0], : channel.shape[1]]
    return np.array([(xx * w).sum(), (yy * w).sum()]) / w.sum()


@pytest.mark.parametrize("angle", [0.0, 17.0, -35.0])
def test_the_warp_puts_the_landmarks_where_the_ffhq_square_says(angle: float) -> None:
    """Dots at the eyes and mouth land, after the warp, where the square's matrix maps them (within a pixel)."""
    centre = np.array([300.3, 260.7])
    t = np.radians(angle)
    r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    points = np.array([centre + r @ v for v in ([-60.0, 0.0], [60.0, 0.0], [4.0, 125.0])])
    img = dots_photo(points, (600, 640))
    square = ffhq_square(FacePoints(*[tuple(p) for p in points]))
    for resolution in (128, 256):
        aligned = warp_face(img, square, resolution)
        expected = map_points(square.inverse_matrix(resolution), points)
        found = np.array([centroid(aligned[..., c]) for c in range(3)])
        assert np.abs(found - expected).max() < 1.0, (resolution, found, expected)


def test_the_warp_matches_the_ffhq_scripts_pil_quad_transform() -> None:
    """The reference samples the quad (+0.5) with PIL's QUAD transform at 4x, then resizes down; same picture within a few levels."""
    img = photo("astronaut.jpg")
    points = marked("astronaut.jpg")
    square = ffhq_square(points)
    tl, tr, br, bl = square.corners()
    quad = np.stack([tl, bl, br, tr])
    reference = Image.fromarray(img).transform((1024, 1024), Image.Transform.QUAD, tuple((quad + 0.5).flatten()), Image.Resampling.BILINEAR)
    reference = np.asarray(reference.resize((256, 256), Image.Resampling.LANCZOS))
    ours = warp_face(img, square, 256)
    # the square lies inside the photo, so no padding differs; resampling filters do
    assert np.abs(ours.astype(float) - reference).mean() < 2.0
    assert psnr(ours, reference) > 32


def test_the_warp_mirrors_what_lies_outside_the_photo() -> None:
    img = photo("astronaut.jpg")
    square = FaceSquare(20.0, 20.0, 120.0, 10.0)  # hangs over the top-left corner
    aligned = warp_face(img, square, 64)
    assert aligned.shape == (64, 64, 3)
    assert aligned.min(axis=(0, 1)).max() > 0  # no black fill


def test_soft_padding_blurs_and_fades_what_lies_outside_the_photo_as_ffhq_does() -> None:
    img = photo("grace_hopper.jpg")
    inside = ffhq_square(marked("grace_hopper.jpg"))
    assert np.array_equal(warp_face(img, inside, 128, soft_padding=True), warp_face(img, inside, 128))  # nothing to pad
    square = FaceSquare(120.0, 150.0, 400.0, 0.0)  # 80 px beyond the left edge, 50 px beyond the top
    plain, soft = warp_face(img, square, 200), warp_face(img, square, 200, soft_padding=True)
    # 200 px for 400: one output pixel is two photo pixels; the photo starts at output x 40, y 25
    assert np.abs(plain[60:, 60:].astype(int) - soft[60:, 60:]).mean() < 1.0  # well inside: as it was
    corner_plain, corner_soft = plain[:15, :15].astype(float), soft[:15, :15].astype(float)
    median = np.median(img[:, :320].reshape(-1, 3), axis=0)  # about the region the script takes its median over
    assert np.abs(corner_soft.mean(axis=(0, 1)) - median).max() < np.abs(corner_plain.mean(axis=(0, 1)) - median).max()
    assert corner_soft.std(axis=(0, 1)).mean() < 0.5 * corner_plain.std(axis=(0, 1)).mean()  # blurred and faded


def test_pasting_back_an_unedited_face_reproduces_the_photo() -> None:
    img = photo("astronaut.jpg")
    square = ffhq_square(marked("astronaut.jpg"))  # 168 px
    x0, y0, x1, y1 = (int(v) for v in square.bounds())
    for resolution, bound in ((256, 38.0), (512, 40.0)):
        aligned = warp_face(img, square, resolution)
        # only the change is added: an unedited face (edited == reference) leaves the photo exactly as it was
        assert np.array_equal(paste_face(img, aligned, square, reference=aligned), img)
        # the face itself pasted back: the photo's resampling round trip (measured 40.7 dB at 256 px)
        back = paste_face(img, aligned, square)
        assert psnr(back[y0:y1, x0:x1], img[y0:y1, x0:x1]) > bound
        untouched = np.ones(img.shape[:2], bool)
        untouched[max(0, y0 - 1) : y1 + 2, max(0, x0 - 1) : x1 + 2] = False
        assert np.array_equal(back[untouched], img[untouched])


def test_paste_back_adds_the_change_where_the_square_is_and_keeps_alpha() -> None:
    img = np.dstack([photo("grace_hopper.jpg"), np.full((600, 512), 200, np.uint8)])
    square = FaceSquare(260.0, 200.0, 200.0, -20.0)
    reference = warp_face(img, square, 64)
    edited = reference.copy()
    edited[..., 0] = np.clip(edited[..., 0].astype(int) - 60, 0, 255).astype(np.uint8)
    out = paste_face(img, edited, square, reference=reference)
    assert np.array_equal(out[..., 3], img[..., 3])
    change = out[..., :3].astype(int) - img[..., :3]
    assert change[200, 260, 0] < -40 and abs(change[200, 260, 1]) <= 1
    assert np.all(change[:40] == 0) and np.all(change[-40:] == 0)
    with pytest.raises(ValueError, match="one size"):
        paste_face(img, edited, square, reference=edited[:32, :32])


def test_detection_runs_as_a_job_without_a_model() -> None:
    result = JobRunner().run(DetectFacesJob(photo=photo("grace_hopper.jpg")))
    faces = faces_from_outputs(result.outputs)
    assert len(faces) == 1
    assert faces[0].points.source == detect_faces(photo("grace_hopper.jpg"))[0].points.source
    assert np.allclose(faces[0].points.array(), detect_faces(photo("grace_hopper.jpg"))[0].points.array())
