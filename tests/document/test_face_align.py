"""Face squares: the FFHQ dataset's oriented square, the CelebA template fit, and the square's own geometry."""
from __future__ import annotations

import math

import numpy as np
import pytest

from ganstudio.document.face_align import (
    CELEBA_TEMPLATE,
    FacePoints,
    FaceSquare,
    align_square,
    celeba_square,
    ffhq_square,
    invert_affine,
    map_points,
    square_from_box,
)


def reference_ffhq_quad(eye_left: np.ndarray, eye_right: np.ndarray, mouth: np.ndarray) -> np.ndarray:
    """The quad exactly as the published FFHQ recipe writes it (eye and mouth averages, flipud/hypot form)."""
    eye_avg = (eye_left + eye_right) * 0.5
    eye_to_eye = eye_right - eye_left
    eye_to_mouth = mouth - eye_avg
    x = eye_to_eye - np.flipud(eye_to_mouth) * [-1, 1]
    x /= np.hypot(*x)
    x *= max(np.hypot(*eye_to_eye) * 2.0, np.hypot(*eye_to_mouth) * 1.8)
    y = np.flipud(x) * [-1, 1]
    c = eye_avg + eye_to_mouth * 0.1
    return np.stack([c - x - y, c - x + y, c + x + y, c + x - y])


def random_points(rng: np.random.Generator) -> FacePoints:
    """A plausible face anywhere, at any size and tilt (up to +-60 degrees), with an uneven mouth drop."""
    centre = rng.uniform(50, 2000, 2)
    eye_distance = rng.uniform(10, 400)
    angle = rng.uniform(-math.pi / 3, math.pi / 3)
    ex = np.array([math.cos(angle), math.sin(angle)])
    ey = np.array([-ex[1], ex[0]])
    left = centre - ex * eye_distance / 2 + rng.normal(0, 0.05 * eye_distance, 2)
    right = centre + ex * eye_distance / 2 + rng.normal(0, 0.05 * eye_distance, 2)
    mouth = centre + ey * eye_distance * rng.uniform(0.7, 1.4) + ex * rng.normal(0, 0.1 * eye_distance)
    return FacePoints(tuple(left), tuple(right), tuple(mouth))


def test_ffhq_square_is_the_published_quad() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        points = random_points(rng)
        quad = reference_ffhq_quad(*points.array())
        square = ffhq_square(points)
        # the reference's corner order: top left, bottom left, bottom right, top right
        tl, tr, br, bl = square.corners()
        assert np.abs(np.stack([tl, bl, br, tr]) - quad).max() < 1e-6 * max(1.0, square.size)


def test_ffhq_matrix_maps_the_output_edges_to_the_quad_as_pil_quad_does() -> None:
    """PIL's QUAD transform (what the FFHQ script calls, with quad + 0.5) puts output edge (0,0) on quad[0], (0,S) on quad[1]..."""
    rng = np.random.default_rng(1)
    for _ in range(50):
        points = random_points(rng)
        quad = reference_ffhq_quad(*points.array())
        size = int(rng.choice([64, 256, 1024]))
        m = ffhq_square(points).matrix(size)
        # pixel-index coordinates of the output's outer edges are -0.5 and size - 0.5
        edges = np.array([(-0.5, -0.5), (-0.5, size - 0.5), (size - 0.5, size - 0.5), (size - 0.5, -0.5)])
        assert np.abs(map_points(m, edges) - quad).max() < 1e-6 * max(1.0, np.ptp(quad))


def test_an_upright_face_gives_an_upright_square_centred_below_the_eyes() -> None:
    points = FacePoints((100.0, 100.0), (140.0, 100.0), (120.0, 140.0))
    square = ffhq_square(points)
    assert square.angle == pytest.approx(0.0, abs=1e-9)
    # half side: max(2 * 40, 1.8 * 40) = 80; centre a tenth of the way from the eyes to the mouth
    assert square.size == pytest.approx(160.0)
    assert (square.cx, square.cy) == pytest.approx((120.0, 104.0))


def test_a_tilted_face_gives_a_square_turned_with_it() -> None:
    base = FacePoints((100.0, 100.0), (140.0, 100.0), (120.0, 140.0))
    turn = math.radians(25)
    r = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    centre = np.array([120.0, 110.0])
    tilted = FacePoints(*[tuple(r @ (np.array(p) - centre) + centre) for p in (base.left_eye, base.right_eye, base.mouth)])
    assert ffhq_square(tilted).angle == pytest.approx(25.0)
    assert ffhq_square(tilted).size == pytest.approx(ffhq_square(base).size)


def test_celeba_square_puts_the_landmarks_on_the_template() -> None:
    rng = np.random.default_rng(2)
    for _ in range(50):
        square = FaceSquare(*rng.uniform(100, 900, 2), rng.uniform(40, 600), rng.uniform(-90, 90))
        # landmarks placed exactly where the template says, inside this square
        m = square.matrix(178)
        template_px = CELEBA_TEMPLATE * 178 - 0.5  # fractions of the outline -> pixel indices of a 178 px image
        points = FacePoints(*[tuple(p) for p in map_points(m, template_px)])
        fitted = celeba_square(points)
        assert np.abs(fitted.corners() - square.corners()).max() < 1e-6 * square.size
        assert align_square(points, "celeba") == fitted


def test_celeba_template_is_the_mean_aligned_celeba_face_in_stargans_crop() -> None:
    # eyes (69, 111), (108, 111), mouth corners (72, 152), (105, 152) in 178x218; StarGAN keeps rows 20..197
    assert CELEBA_TEMPLATE * 178 == pytest.approx(np.array([[69, 91], [108, 91], [88.5, 132]]))


def test_matrix_and_inverse_round_trip_and_square_edits() -> None:
    square = FaceSquare(300.0, 200.0, 150.0, 30.0)
    m, inv = square.matrix(64), square.inverse_matrix(64)
    pts = np.array([[0, 0], [63, 0], [10, 50], [31.5, 31.5]], dtype=float)
    assert map_points(inv, map_points(m, pts)) == pytest.approx(pts)
    # the aligned image's centre is the square's centre
    assert map_points(m, [[31.5, 31.5]])[0] == pytest.approx([300.0, 200.0])
    assert invert_affine(invert_affine(m)) == pytest.approx(m)
    assert square.moved(5, -3).as_tuple() == pytest.approx((305.0, 197.0, 150.0, 30.0))
    assert square.scaled(2).size == 300.0 and square.scaled(0.001).size == 8.0
    assert square.rotated(170).angle == pytest.approx(-160.0)
    x0, y0, x1, y1 = square.bounds()
    half_extent = 75 * (math.cos(math.radians(30)) + math.sin(math.radians(30)))
    assert (x0, y0, x1, y1) == pytest.approx((300 - half_extent, 200 - half_extent, 300 + half_extent, 200 + half_extent))


def test_square_from_box_samples_the_boxes_pixels() -> None:
    """An upright square from a CropBox maps the aligned image's pixels one to one onto the box's pixels."""
    square = square_from_box(10, 20, 32)
    m = square.matrix(32)
    assert map_points(m, [[0, 0], [31, 31]]) == pytest.approx(np.array([[10, 20], [41, 51]]))


def test_degenerate_landmarks_and_unknown_styles_are_refused() -> None:
    with pytest.raises(ValueError, match="one place"):
        ffhq_square(FacePoints((5.0, 5.0), (5.0, 5.0), (5.0, 5.0)))
    with pytest.raises(ValueError, match="one place"):
        celeba_square(FacePoints((5.0, 5.0), (5.0, 5.0), (5.0, 5.0)))
    with pytest.raises(ValueError, match="unknown alignment"):
        align_square(FacePoints((0.0, 0.0), (10.0, 0.0), (5.0, 10.0)), "dlib")
