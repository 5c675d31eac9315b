import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from ganstudio.document.errors import ClassIdOutOfRangeError, DocumentError, FileReadError
from ganstudio.document.image_io import (
    encode_label_map,
    read_image_settings,
    read_label_map,
    read_photo,
    write_image,
    write_label_map,
)
from ganstudio.document.labelmap import LabelMap
from ganstudio.document.palette import Palette

PALETTE = Palette([("sky", (0, 0, 255)), ("grass", (0, 200, 0)), ("rock", (128, 128, 128)), ("sand", (230, 210, 150))])


def random_ids(shape=(23, 31), classes=4, seed=0):
    return np.random.default_rng(seed).integers(0, classes, size=shape)


def test_indexed_png_round_trip(tmp_path):
    lm = LabelMap(random_ids(), PALETTE)
    path = write_label_map(tmp_path / "map.png", lm)
    with Image.open(path) as image:
        assert image.mode == "P"
        assert image.getpalette()[:6] == [0, 0, 255, 0, 200, 0]
    read = read_label_map(path)
    assert read.kind == "indexed" and read.notes == []
    assert read.labelmap == lm  # same ids, dtype and palette (names included)
    assert read.file_palette == PALETTE


def test_many_classes_fall_back_to_16_bit(tmp_path):
    palette = Palette.generic(300)
    lm = LabelMap(random_ids(classes=300), palette)
    path = write_label_map(tmp_path / "big.png", lm)
    with Image.open(path) as image:
        assert image.mode.startswith("I")
    read = read_label_map(path)
    assert read.labelmap.ids.dtype == np.uint16 and read.labelmap == lm


def test_foreign_indexed_png_uses_its_plte(tmp_path):
    image = Image.fromarray(np.array([[0, 1], [2, 1]], np.uint8), mode="L")
    image.putpalette([10, 20, 30, 40, 50, 60, 70, 80, 90])
    image.save(tmp_path / "plain.png")
    read = read_label_map(tmp_path / "plain.png")
    assert read.labelmap.palette.colors.tolist() == [[10, 20, 30], [40, 50, 60], [70, 80, 90]]
    assert read.labelmap.ids.tolist() == [[0, 1], [2, 1]]
    # with the current model's palette the ids are kept and validated against it
    read = read_label_map(tmp_path / "plain.png", PALETTE)
    assert read.labelmap.palette == PALETTE and read.labelmap.ids.tolist() == [[0, 1], [2, 1]]
    assert read.notes == ["the file's colours differ from the current palette; class ids were kept as they are"]


def test_class_name_mismatch_is_noted(tmp_path):
    other = Palette([("water", (0, 0, 255)), ("grass", (0, 200, 0))])
    write_label_map(tmp_path / "m.png", LabelMap(np.array([[0, 1]]), other))
    read = read_label_map(tmp_path / "m.png", PALETTE)
    assert read.labelmap.palette == PALETTE and "class names differ" in read.notes[0]


def test_grayscale_ids_and_out_of_range(tmp_path):
    ids = np.array([[0, 1, 2], [3, 3, 0]], np.uint8)
    Image.fromarray(ids).save(tmp_path / "gray.png")
    read = read_label_map(tmp_path / "gray.png", PALETTE)
    assert read.kind == "grayscale" and read.labelmap.ids.tolist() == ids.tolist()
    bad = ids.copy()
    bad[0, 0], bad[1, 2] = 9, 17
    Image.fromarray(bad).save(tmp_path / "bad.png")
    with pytest.raises(ClassIdOutOfRangeError) as info:
        read_label_map(tmp_path / "bad.png", PALETTE)
    assert info.value.ids == [9, 17] and "bad.png" in str(info.value)
    # without a palette: generic classes sized to the ids, with a note
    read = read_label_map(tmp_path / "bad.png")
    assert len(read.labelmap.palette) == 18 and read.notes


def test_rgb_colour_coded_with_report(tmp_path):
    ids = random_ids(seed=3)
    rgb = PALETTE.colors[ids].copy()
    rgb[0, 0] = (5, 190, 10)  # off-palette, nearest: grass
    rgb[1, 1:3] = (250, 250, 250)  # off-palette, nearest: sand
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    read = read_label_map(tmp_path / "rgb.png", PALETTE)
    assert read.kind == "rgb"
    report = read.color_mapping
    assert report.unmatched_pixels == 3
    assert report.unmatched_colors == [((250, 250, 250), 2, 3), ((5, 190, 10), 1, 1)]
    expected = ids.copy()
    expected[0, 0], expected[1, 1:3] = 1, 3
    assert np.array_equal(read.labelmap.ids, expected)
    assert any("3 pixels in 2 colours" in note for note in read.notes)


def test_rgb_without_palette_builds_one_from_colours(tmp_path):
    rgb = np.zeros((3, 3, 4), np.uint8)
    rgb[..., 3] = 255
    rgb[0] = (200, 0, 0, 255)
    Image.fromarray(rgb, "RGBA").save(tmp_path / "two.png")
    read = read_label_map(tmp_path / "two.png")
    assert len(read.labelmap.palette) == 2 and read.color_mapping.exact
    assert "alpha" in read.notes[0]


@pytest.mark.parametrize(
    "payload",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40],
)
def test_unreadable_files_raise_file_read_error(tmp_path, payload):
    path = tmp_path / "broken.png"
    path.write_bytes(payload)
    with pytest.raises(FileReadError, match="broken.png"):
        read_label_map(path)
    with pytest.raises(FileReadError, match="broken.png"):
        read_photo(path)


def test_truncated_and_damaged_png(tmp_path):
    data = encode_label_map(LabelMap(random_ids((64, 64)), PALETTE))
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileReadError, match="cut.png"):
        read_label_map(tmp_path / "cut.png")
    damaged = bytearray(data)
    start = damaged.find(b"IDAT") + 10
    damaged[start : start + 20] = b"\xff" * 20
    (tmp_path / "damaged.png").write_bytes(bytes(damaged))
    with pytest.raises(FileReadError, match="damaged.png"):
        read_label_map(tmp_path / "damaged.png")


def test_missing_file(tmp_path):
    with pytest.raises(FileReadError, match="file not found"):
        read_photo(tmp_path / "nope.jpg")


def test_photo_exif_orientation(tmp_path):
    pixels = np.zeros((2, 4, 3), np.uint8)
    pixels[0, 0] = (255, 0, 0)
    pixels[1, 3] = (0, 255, 0)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs a 90 degree clockwise turn
    Image.fromarray(pixels).save(tmp_path / "rot.png", exif=exif.tobytes())
    photo = read_photo(tmp_path / "rot.png")
    assert photo.size == (2, 4)
    assert np.array_equal(photo.pixels, np.rot90(pixels, k=-1))
    assert any("EXIF" in note for note in photo.notes)


def test_photo_mode_conversions(tmp_path):
    gray16 = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000)
    Image.fromarray(gray16).save(tmp_path / "g16.png")
    photo = read_photo(tmp_path / "g16.png")
    assert photo.pixels.shape == (3, 4, 3) and photo.pixels.dtype == np.uint8
    assert photo.pixels[2, 3, 0] == round(55000 * 255 / 65535)
    assert "16-bit" in photo.notes[0]

    Image.new("CMYK", (5, 4), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")
    photo = read_photo(tmp_path / "cmyk.jpg")
    assert photo.original_mode == "CMYK" and "CMYK" in photo.notes[0]
    assert photo.pixels.shape == (4, 5, 3) and photo.pixels[0, 0, 0] > 200 and photo.pixels[0, 0, 1] < 60

    Image.new("L", (3, 3), 77).save(tmp_path / "gray.png")
    photo = read_photo(tmp_path / "gray.png")
    assert (photo.pixels == 77).all() and "grayscale" in photo.notes[0]

    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 3] = 128
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    photo = read_photo(tmp_path / "alpha.png")
    assert photo.has_alpha and photo.notes == [] and (photo.pixels[..., 3] == 128).all()
    photo = read_photo(tmp_path / "alpha.png", keep_alpha=False)
    assert not photo.has_alpha and "dropped" in photo.notes[0]

    pal = Image.new("P", (2, 2), 1)
    pal.putpalette([0, 0, 0, 9, 8, 7])
    pal.info["transparency"] = 0
    pal.save(tmp_path / "pal.png", transparency=0)
    photo = read_photo(tmp_path / "pal.png")
    assert photo.has_alpha and photo.pixels[0, 0].tolist() == [9, 8, 7, 255]


def sixteen_bit_rgb_png(pixels: np.ndarray) -> bytes:
    """A 48-bit RGB PNG written by hand (Pillow cannot write one)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width, _ = pixels.shape
    rows = b"".join(b"\x00" + pixels[y].astype(">u2").tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_photo_16_bit_colour_is_noted(tmp_path):
    pixels = (np.arange(18, dtype=np.uint16).reshape(2, 3, 3) * 3000)
    (tmp_path / "deep.png").write_bytes(sixteen_bit_rgb_png(pixels))
    photo = read_photo(tmp_path / "deep.png")
    assert np.array_equal(photo.pixels, (pixels >> 8).astype(np.uint8))
    assert photo.notes == ["16 bits per channel reduced to 8"]


def test_png_export_with_settings(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, size=(8, 9, 3), dtype=np.uint8)
    settings = {"model": "landscapes.safetensors", "seed": 42, "truncation": 0.7, "prompt": "sunrise \u2600"}
    path = write_image(tmp_path / "out.png", pixels, settings=settings)
    with Image.open(path) as image:
        image.load()
        assert np.array_equal(np.asarray(image), pixels)
        assert image.text["seed"] == "42" and image.text["model"] == "landscapes.safetensors"
        assert image.text["prompt"] == "sunrise \u2600"
    assert read_image_settings(path) == settings


def test_jpeg_export(tmp_path):
    pixels = np.full((16, 16, 4), (200, 100, 50, 255), np.uint8)
    pixels[:8, :, 3] = 0  # transparent half: white in a JPEG
    path = write_image(tmp_path / "out.jpg", pixels, settings={"seed": 3}, quality=95)
    with Image.open(path) as image:
        assert image.format == "JPEG"
        decoded = np.asarray(image.convert("RGB")).astype(int)
    assert np.abs(decoded[2, 2] - 255).max() <= 3 and np.abs(decoded[12, 12] - (200, 100, 50)).max() <= 6
    assert read_image_settings(path) == {"seed": 3}
    with pytest.raises(DocumentError):
        write_image(tmp_path / "bad.jpg", pixels, quality=0)
    with pytest.raises(DocumentError):
        write_image(tmp_path / "x.png", np.zeros((2, 2), np.uint8))


def test_settings_of_plain_image_are_empty(tmp_path):
    Image.new("RGB", (2, 2)).save(tmp_path / "plain.png")
    assert read_image_settings(tmp_path / "plain.png") == {}


def test_read_from_bytes_buffer():
    data = encode_label_map(LabelMap(random_ids(), PALETTE))
    read = read_label_map(io.BytesIO(data), name="inside.zip/labelmap.png")
    assert read.labelmap.palette == PALETTE
    assert json.loads(Image.open(io.BytesIO(data)).info["ganstudio.palette"])[0]["name"] == "sky"
