import numpy as np
import pytest

from ganstudio.document.errors import ClassIdOutOfRangeError, PaletteError
from ganstudio.document.palette import LabelClass, Palette, default_palette, parse_color


def small() -> Palette:
    return Palette([("sky", (0, 0, 255)), ("grass", (0, 200, 0)), ("rock", "#808080")])


def test_json_round_trip_and_lookup():
    palette = small()
    data = palette.to_json()
    assert data[2] == {"name": "rock", "color": [128, 128, 128]}
    again = Palette.from_json(data)
    assert again == palette and hash(again) == hash(palette)
    assert palette.index_of("grass") == 1
    assert palette.find("water") is None
    with pytest.raises(PaletteError, match="water"):
        palette.index_of("water")
    assert palette[1] == LabelClass("grass", (0, 200, 0))
    assert palette.names == ["sky", "grass", "rock"]
    assert palette.colors.shape == (3, 3) and not palette.colors.flags.writeable


@pytest.mark.parametrize("bad", [[{"name": "x"}], "nope", [{"name": "x", "color": [1, 2]}], [{"color": [300, 0, 0]}]])
def test_malformed_json_is_a_palette_error(bad):
    with pytest.raises(PaletteError):
        Palette.from_json(bad)


def test_parse_color_forms():
    assert parse_color("#0a0B0c") == (10, 11, 12)
    assert parse_color([1, 2, 3]) == (1, 2, 3)
    with pytest.raises(PaletteError):
        parse_color("#12345")


def test_id_dtype_follows_size():
    assert Palette.generic(256).id_dtype() == np.uint8
    assert Palette.generic(257).id_dtype() == np.uint16


def test_generic_colours_are_distinct():
    colors = Palette.generic(64).colors
    assert len({tuple(c) for c in colors}) == 64
    assert tuple(colors[0]) == (0, 0, 0)


def test_default_palette_has_unique_names():
    palette = default_palette()
    assert len(set(palette.names)) == len(palette) >= 8


def test_colorize_and_out_of_range():
    palette = small()
    ids = np.array([[0, 1], [2, 0]], np.uint8)
    rgb = palette.colorize(ids)
    assert rgb.shape == (2, 2, 3) and tuple(rgb[1, 0]) == (128, 128, 128)
    with pytest.raises(ClassIdOutOfRangeError) as info:
        palette.colorize(np.array([[0, 5, 7, 5]]))
    assert info.value.ids == [5, 7] and "5, 7" in str(info.value)


def test_nearest_matches_brute_force():
    rng = np.random.default_rng(0)
    palette = Palette.generic(40)
    rgb = rng.integers(0, 256, size=(30, 20, 3), dtype=np.uint8)
    ids, dist = palette.nearest(rgb)
    d = ((rgb[:, :, None, :].astype(np.int64) - palette.colors[None, None].astype(np.int64)) ** 2).sum(-1)
    assert np.array_equal(dist, d.min(-1))
    assert np.array_equal(ids, d.argmin(-1))


def test_map_colors_reports_unmatched():
    palette = small()
    rgb = np.zeros((4, 5, 3), np.uint8)
    rgb[:] = (0, 0, 255)
    rgb[0, :3] = (10, 190, 5)  # near grass, 3 px
    rgb[3, 4] = (120, 130, 125)  # near rock, 1 px
    mapping = palette.map_colors(rgb)
    assert not mapping.exact
    assert mapping.unmatched_pixels == 4
    assert mapping.unmatched_colors == [((10, 190, 5), 3, 1), ((120, 130, 125), 1, 2)]
    assert mapping.ids[0, 0] == 1 and mapping.ids[3, 4] == 2 and mapping.ids[1, 1] == 0
    assert "4 pixels in 2 colours" in mapping.summary(palette)
    # a tolerance absorbs small deviations (e.g. JPEG noise)
    assert palette.map_colors(rgb, tolerance=20).exact
