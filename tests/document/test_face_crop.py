"""The attribute crop (default = the reference's CelebA test crop) and the feathered paste-back."""
from __future__ import annotations

import numpy as np
from PIL import Image

from ganstudio.document.face_crop import CropBox, crop_for_model, default_crop, feather_mask, paste_back


def test_default_crop_is_the_reference_center_crop_on_celeba_images() -> None:
    # CelebA aligned images are 178x218; the reference test does CenterCrop(178)
    assert default_crop(178, 218) == CropBox(0, 20, 178)
    assert default_crop(640, 480) == CropBox(80, 0, 480)


def test_crop_for_model_matches_crop_then_bilinear_resize() -> None:
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, size=(218, 178, 3), dtype=np.uint8)
    got = crop_for_model(photo, default_crop(178, 218), 128)
    expected = np.asarray(Image.fromarray(photo).crop((0, 20, 178, 198)).resize((128, 128), Image.Resampling.BILINEAR))
    assert got.shape == (128, 128, 3)
    np.testing.assert_array_equal(got, expected)


def test_boxes_are_clamped_inside_the_photo() -> None:
    assert CropBox(-10, 500, 900).clamped(640, 480) == CropBox(0, 0, 480)
    assert CropBox(600, 10, 100).clamped(640, 480) == CropBox(540, 10, 100)


def test_feather_mask_is_zero_at_the_edge_and_one_inside() -> None:
    mask = feather_mask(40, 8)
    assert mask[0, 0] < 0.01 and mask[20, 0] < 0.02
    assert mask[20, 20] == 1.0
    assert np.all(np.diff(mask[20, :20]) >= 0)


def test_paste_back_keeps_size_alpha_and_outside_pixels_and_has_no_seam() -> None:
    rng = np.random.default_rng(1)
    photo = np.full((300, 400, 4), 120, dtype=np.uint8)
    photo[..., 3] = rng.integers(0, 256, size=(300, 400), dtype=np.uint8)
    box = CropBox(100, 50, 200)
    edited = np.full((32, 32, 3), 250, dtype=np.uint8)  # a strong change: bright everywhere
    for keep_detail in (True, False):
        out = paste_back(photo, edited, box, keep_detail=keep_detail)
        assert out.shape == photo.shape and out.dtype == np.uint8
        np.testing.assert_array_equal(out[..., 3], photo[..., 3])
        outside = np.ones((300, 400), bool)
        outside[50:250, 100:300] = False
        np.testing.assert_array_equal(out[outside], photo[outside])
        # the centre took the edit, the box edge barely moved: a feathered, seamless blend
        assert abs(int(out[150, 200, 0]) - 250) <= 2
        ring = np.concatenate([out[50, 100:300, :3], out[249, 100:300, :3], out[50:250, 100, :3], out[50:250, 299, :3]]).astype(int)
        assert np.abs(ring - 120).max() <= 3
        # no jump between neighbouring pixels anywhere larger than the feather's slope
        rgb = out[..., :3].astype(int)
        steps = max(np.abs(np.diff(rgb, axis=0)).max(), np.abs(np.diff(rgb, axis=1)).max())
        assert steps <= 16


def test_keep_detail_preserves_fine_texture_where_the_model_changes_nothing() -> None:
    rng = np.random.default_rng(2)
    photo = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    box = default_crop(256, 256)
    unchanged = crop_for_model(photo, box, 64)  # a model that returns its input
    out = paste_back(photo, unchanged, box, keep_detail=True)
    assert np.abs(out.astype(int) - photo.astype(int)).max() <= 1
    blurred = paste_back(photo, unchanged, box, keep_detail=False)
    assert np.abs(blurred.astype(int) - photo.astype(int))[64:192, 64:192].mean() > 10
