"""Palettes: the ordered classes of a label map (name + RGB colour).

A class id is the index of its class in the palette. The JSON form is the one
model files use for their ``labels``: a list of ``{"name": str, "color":
[r, g, b]}``; ``"#rrggbb"`` strings are accepted as colours too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .errors import ClassIdOutOfRangeError, PaletteError

RGB = tuple[int, int, int]

# Bounds the (colours x classes) distance matrix of one block to ~32 MB.
_NEAREST_BLOCK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class LabelClass:
    """One class of a palette."""

    name: str
    color: RGB


def parse_color(value: Any) -> RGB:
    """An (r, g, b) tuple from ``[r, g, b]`` or ``"#rrggbb"``; raises PaletteError."""
    if isinstance(value, str):
        text = value.strip().lstrip("#")
        if len(text) == 6:
            try:
                return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
            except ValueError:
                pass
        raise PaletteError(f"colour {value!r} is not '#rrggbb'")
    try:
        rgb = tuple(int(c) for c in value)
    except (TypeError, ValueError):
        raise PaletteError(f"colour {value!r} is not a list of three integers") from None
    if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
        raise PaletteError(f"colour {value!r} is not three integers in 0..255")
    return rgb  # type: ignore[return-value]


@dataclass(frozen=True)
class ColorMapping:
    """The result of mapping RGB pixels to class ids by nearest palette colour.

    `unmatched_colors` lists the colours that are not exactly (or within the
    tolerance of) a palette colour, as ``(rgb, pixel_count, class_id)`` with
    the class they were mapped to, most frequent first.
    """

    ids: np.ndarray
    unmatched_pixels: int
    unmatched_colors: list[tuple[RGB, int, int]]

    @property
    def exact(self) -> bool:
        return self.unmatched_pixels == 0

    def summary(self, palette: "Palette", limit: int = 5) -> str:
        """One human-readable sentence, e.g. for a status message."""
        if self.exact:
            return "all colours matched the palette"
        parts = [
            f"#{r:02x}{g:02x}{b:02x} x{count} -> {palette[cid].name}"
            for (r, g, b), count, cid in self.unmatched_colors[:limit]
        ]
        more = len(self.unmatched_colors) - limit
        tail = f", and {more} more" if more > 0 else ""
        return (
            f"{self.unmatched_pixels} pixels in {len(self.unmatched_colors)} colours not in the "
            f"palette were mapped to the nearest class: {', '.join(parts)}{tail}"
        )


class Palette:
    """An immutable ordered list of classes. Equal palettes compare equal."""

    def __init__(self, classes: Iterable[LabelClass | tuple[str, Any]]) -> None:
        items: list[LabelClass] = []
        for entry in classes:
            if isinstance(entry, LabelClass):
                items.append(LabelClass(str(entry.name), parse_color(entry.color)))
            else:
                name, color = entry
                items.append(LabelClass(str(name), parse_color(color)))
        if not items:
            raise PaletteError("a palette needs at least one class")
        if len(items) > 65536:
            raise PaletteError(f"{len(items)} classes; at most 65536 fit a uint16 label map")
        self._classes: tuple[LabelClass, ...] = tuple(items)
        self._index = {}
        for i, item in enumerate(items):
            self._index.setdefault(item.name, i)  # duplicate names: the first wins
        colors = np.array([c.color for c in items], dtype=np.uint8)
        colors.setflags(write=False)
        self._colors = colors

    # -- construction -------------------------------------------------------
    @classmethod
    def from_json(cls, data: Any) -> "Palette":
        """From a list of ``{"name", "color"}`` (the model ``labels`` format)."""
        if not isinstance(data, (list, tuple)):
            raise PaletteError(f"a palette is a list of classes, not {type(data).__name__}")
        if len(data) > 65536:  # before building anything: the JSON may come from an untrusted file
            raise PaletteError(f"{len(data)} classes; at most 65536 fit a uint16 label map")
        classes = []
        for i, entry in enumerate(data):
            if not isinstance(entry, dict) or "color" not in entry:
                raise PaletteError(f"class {i} is not an object with a 'color'")
            classes.append(LabelClass(str(entry.get("name", f"class {i}")), parse_color(entry["color"])))
        return cls(classes)

    @classmethod
    def generic(cls, num_classes: int) -> "Palette":
        """`num_classes` classes named "class N" with well-separated colours.

        Colours come from spreading the bits of the class id over the three
        channels (the scheme PASCAL VOC made common), so neighbouring ids get
        clearly different colours and class 0 is black.
        """
        if num_classes < 1:
            raise PaletteError("a palette needs at least one class")
        classes = []
        for cid in range(num_classes):
            r = g = b = 0
            bits = cid
            for shift in range(7, -1, -1):
                r |= (bits & 1) << shift
                g |= ((bits >> 1) & 1) << shift
                b |= ((bits >> 2) & 1) << shift
                bits >>= 3
            classes.append(LabelClass(f"class {cid}", (r, g, b)))
        return cls(classes)

    # -- access ---------------------------------------------------------------
    def to_json(self) -> list[dict[str, Any]]:
        return [{"name": c.name, "color": list(c.color)} for c in self._classes]

    def __len__(self) -> int:
        return len(self._classes)

    def __getitem__(self, class_id: int) -> LabelClass:
        if not 0 <= class_id < len(self._classes):
            raise ClassIdOutOfRangeError([class_id], len(self._classes))
        return self._classes[class_id]

    def __iter__(self) -> Iterator[LabelClass]:
        return iter(self._classes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Palette) and self._classes == other._classes

    def __hash__(self) -> int:
        return hash(self._classes)

    def __repr__(self) -> str:
        names = ", ".join(c.name for c in self._classes[:6])
        more = ", ..." if len(self._classes) > 6 else ""
        return f"Palette({len(self)} classes: {names}{more})"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self._classes]

    @property
    def colors(self) -> np.ndarray:
        """(N, 3) uint8, read-only."""
        return self._colors

    def index_of(self, name: str) -> int:
        """The class id of `name` (first match); raises PaletteError if absent."""
        try:
            return self._index[name]
        except KeyError:
            raise PaletteError(f"no class named {name!r} in the palette") from None

    def find(self, name: str) -> int | None:
        """The class id of `name`, or None."""
        return self._index.get(name)

    def id_dtype(self) -> np.dtype:
        """The smallest label-map dtype that holds every class id."""
        return np.dtype(np.uint8 if len(self) <= 256 else np.uint16)

    # -- colour conversion ----------------------------------------------------
    def colorize(self, ids: np.ndarray) -> np.ndarray:
        """(H, W) class ids -> (H, W, 3) uint8 colours; out-of-range ids raise."""
        ids = np.asarray(ids)
        if ids.size and int(ids.max()) >= len(self):
            bad = np.unique(ids[ids >= len(self)])
            raise ClassIdOutOfRangeError(bad.tolist(), len(self))
        return self._colors[ids]

    def nearest(self, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest palette entry for every colour of `rgb` (..., 3).

        Returns ``(class_ids, squared_distances)`` shaped like ``rgb[..., 0]``.
        Distinct colours are matched once (a label map has few), so a 1024x1024
        image costs about one ``np.unique``.
        """
        rgb = np.asarray(rgb)
        if rgb.shape[-1:] != (3,):
            raise PaletteError(f"expected (..., 3) RGB values, got shape {rgb.shape}")
        flat = rgb.reshape(-1, 3).astype(np.uint32)
        packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
        unique, inverse = np.unique(packed, return_inverse=True)
        ucols = np.stack([(unique >> 16) & 255, (unique >> 8) & 255, unique & 255], axis=1).astype(np.int32)
        pal = self._colors.astype(np.int64)
        pal_sq = (pal**2).sum(axis=1)
        best = np.empty(len(unique), dtype=np.int64)
        best_d = np.empty(len(unique), dtype=np.int64)
        step = max(1, _NEAREST_BLOCK_ELEMENTS // len(pal))
        for start in range(0, len(unique), step):
            block = ucols[start : start + step].astype(np.int64)
            # |a - b|^2 = |a|^2 - 2 a.b + |b|^2, exact in integers
            d = (block**2).sum(axis=1)[:, None] - 2 * (block @ pal.T) + pal_sq[None, :]
            idx = d.argmin(axis=1)  # ties go to the lower class id
            best[start : start + len(block)] = idx
            best_d[start : start + len(block)] = d[np.arange(len(block)), idx]
        shape = rgb.shape[:-1]
        ids = best[inverse.reshape(-1)].astype(self.id_dtype()).reshape(shape)
        return ids, best_d[inverse.reshape(-1)].reshape(shape)

    def map_colors(self, rgb: np.ndarray, tolerance: float = 0.0) -> ColorMapping:
        """Class ids for an (H, W, 3) colour-coded label image, with a report.

        A colour further than `tolerance` (Euclidean, in 0..255 units) from
        every palette colour is "unmatched": it still gets the nearest class,
        and is listed in the report with its pixel count.
        """
        rgb = np.asarray(rgb)
        ids, dist2 = self.nearest(rgb)
        off = dist2 > tolerance * tolerance
        unmatched_pixels = int(off.sum())
        unmatched: list[tuple[RGB, int, int]] = []
        if unmatched_pixels:
            cols = rgb.reshape(-1, 3)[off.reshape(-1)].astype(np.uint32)
            packed = (cols[:, 0] << 16) | (cols[:, 1] << 8) | cols[:, 2]
            values, counts = np.unique(packed, return_counts=True)
            order = np.argsort(-counts, kind="stable")
            values, counts = values[order], counts[order]
            vrgb = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1)
            mapped, _ = self.nearest(vrgb.astype(np.uint8))
            unmatched = [
                ((int(c[0]), int(c[1]), int(c[2])), int(n), int(m))
                for c, n, m in zip(vrgb, counts, mapped)
            ]
        return ColorMapping(ids=ids, unmatched_pixels=unmatched_pixels, unmatched_colors=unmatched)


def default_palette() -> Palette:
    """The palette used when no model is loaded: common landscape classes."""
    return Palette(
        [
            ("sky", (135, 190, 235)),
            ("cloud", (235, 235, 240)),
            ("mountain", (120, 105, 95)),
            ("rock", (150, 150, 140)),
            ("tree", (40, 110, 45)),
            ("grass", (110, 185, 70)),
            ("sand", (225, 205, 150)),
            ("water", (40, 90, 170)),
            ("snow", (250, 250, 255)),
            ("road", (90, 90, 90)),
            ("building", (170, 90, 70)),
            ("flower", (220, 80, 150)),
        ]
    )


def palette_from_colors(colors: Sequence[RGB]) -> Palette:
    """A palette of the given colours, named "class N" (for unlabelled files)."""
    return Palette([(f"class {i}", c) for i, c in enumerate(colors)])
