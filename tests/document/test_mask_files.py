"""Instance masks beside a picture: <stem>_mask<k>.png, found in order of k, never mistaken for pictures."""
from __future__ import annotations

from pathlib import Path

from ganstudio.document.mask_files import MAX_MASK_FILES, is_mask_file, mask_file, masks_beside


def test_masks_beside_a_picture_are_found_in_order_of_k(tmp_path: Path) -> None:
    picture = tmp_path / "scene.png"
    for name in ("scene.png", "scene_mask10.png", "scene_mask2.png", "scene_mask1.png", "other_mask1.png",
                 "scene_mask.png", "scene_maskx.png", "scene_mask3.jpg", "scenery_mask1.png"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "scene_mask4.png").mkdir()  # not a file
    assert [p.name for p in masks_beside(picture)] == ["scene_mask1.png", "scene_mask2.png", "scene_mask10.png"]
    assert mask_file(picture, 3) == tmp_path / "scene_mask3.png"
    assert is_mask_file(tmp_path / "scene_mask2.png") and not is_mask_file(picture) and not is_mask_file(tmp_path / "scene_mask3.jpg")


def test_at_most_as_many_as_instagan_translates_and_none_for_a_missing_folder(tmp_path: Path) -> None:
    for k in range(1, MAX_MASK_FILES + 5):
        (tmp_path / f"a_mask{k}.png").write_bytes(b"")
    assert len(masks_beside(tmp_path / "a.png")) == MAX_MASK_FILES
    assert masks_beside(tmp_path / "missing" / "a.png") == []
