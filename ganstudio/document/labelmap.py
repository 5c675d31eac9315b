"""The label map: a 2-D array of class ids plus the palette that names them."""
from __future__ import annotations

import numpy as np

from .bbox import BBox
from .errors import ClassIdOutOfRangeError, DocumentError
from .palette import Palette


def check_class_ids(ids: np.ndarray, palette: Palette, *, path: str | None = None) -> None:
    """Raise ClassIdOutOfRangeError (listing the bad ids) if any id >= len(palette)."""
    if ids.size and int(ids.max()) >= len(palette):
        bad = np.unique(ids[ids >= len(palette)])
        raise ClassIdOutOfRangeError(bad.tolist(), len(palette), path=path)


def as_id_array(ids: np.ndarray, palette: Palette) -> np.ndarray:
    """`ids` as a C-contiguous uint8/uint16 array fit for `palette` (a copy when the dtype changes).

    Integer input only; negative ids are reported as out of range.
    """
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise DocumentError(f"a label map is 2-D, got shape {ids.shape}")
    if ids.dtype.kind not in "iub":
        raise DocumentError(f"class ids must be integers, got {ids.dtype}")
    if ids.dtype.kind == "i" and ids.size and int(ids.min()) < 0:
        raise ClassIdOutOfRangeError(np.unique(ids[ids < 0]).tolist(), len(palette))
    check_class_ids(ids, palette)
    return np.ascontiguousarray(ids, dtype=palette.id_dtype())


class LabelMap:
    """Class ids (H, W) uint8 (palettes up to 256 classes) or uint16, plus a palette.

    `ids` is the live array: tools paint into it in place and then call
    `touch()`, so that `revision` (a counter that only grows) tells views and
    inference jobs that the content changed. Every id is < len(palette); the
    constructor and `set_palette` check it.
    """

    def __init__(self, ids: np.ndarray, palette: Palette, *, copy: bool = True) -> None:
        converted = as_id_array(ids, palette)
        if copy and converted is ids:
            converted = converted.copy()
        self._ids = converted
        self._palette = palette
        self._revision = 0

    @classmethod
    def blank(cls, width: int, height: int, palette: Palette, fill: int = 0) -> "LabelMap":
        if width < 1 or height < 1:
            raise DocumentError(f"a label map needs a positive size, got {width}x{height}")
        if not 0 <= fill < len(palette):
            raise ClassIdOutOfRangeError([fill], len(palette))
        return cls(np.full((height, width), fill, dtype=palette.id_dtype()), palette, copy=False)

    # -- properties -----------------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        return self._ids

    @property
    def palette(self) -> Palette:
        return self._palette

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def width(self) -> int:
        return int(self._ids.shape[1])

    @property
    def height(self) -> int:
        return int(self._ids.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def bounds(self) -> BBox:
        return BBox(0, 0, self.width, self.height)

    # -- edits ----------------------------------------------------------------
    def touch(self) -> int:
        """Note an in-place change of `ids`; returns the new revision."""
        self._revision += 1
        return self._revision

    def extract(self, bbox: BBox) -> np.ndarray:
        """A copy of the pixels inside `bbox` (which must lie inside the map)."""
        self._check_inside(bbox)
        return self._ids[bbox.slices].copy()

    def apply(self, bbox: BBox, patch: np.ndarray) -> None:
        """Write `patch` at `bbox` (exact shape), checking its ids; bumps the revision."""
        self._check_inside(bbox)
        patch = np.asarray(patch)
        if patch.shape != (bbox.height, bbox.width):
            raise DocumentError(f"patch of shape {patch.shape} does not fit box {tuple(bbox)}")
        check_class_ids(patch, self._palette)
        self._ids[bbox.slices] = patch
        self.touch()

    def replace_all(self, ids: np.ndarray) -> None:
        """Swap in a whole new array (e.g. a resized map); bumps the revision."""
        self._ids = as_id_array(ids, self._palette).copy()
        self.touch()

    def set_palette(self, palette: Palette) -> None:
        """Switch to another palette (a new model); every current id must fit it."""
        check_class_ids(self._ids, palette)
        if palette.id_dtype() != self._ids.dtype:
            self._ids = self._ids.astype(palette.id_dtype())
        self._palette = palette
        self.touch()

    def snapshot(self) -> tuple[np.ndarray, int]:
        """A read-only copy of the ids and the revision it shows, for a job on another thread."""
        ids = self._ids.copy()
        ids.setflags(write=False)
        return ids, self._revision

    def copy(self) -> "LabelMap":
        return LabelMap(self._ids, self._palette, copy=True)

    def colorize(self, bbox: BBox | None = None) -> np.ndarray:
        """(H, W, 3) uint8 colours of the whole map or of `bbox` (for a dirty-region redraw)."""
        ids = self._ids if bbox is None else self._ids[bbox.slices]
        return self._palette.colors[ids]

    def class_counts(self) -> np.ndarray:
        """Pixels per class, length len(palette)."""
        return np.bincount(self._ids.ravel(), minlength=len(self._palette))

    def _check_inside(self, bbox: BBox) -> None:
        if bbox.x0 < 0 or bbox.y0 < 0 or bbox.x1 > self.width or bbox.y1 > self.height or bbox.is_empty:
            raise DocumentError(f"box {tuple(bbox)} is not a non-empty region of a {self.width}x{self.height} map")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LabelMap)
            and self._palette == other._palette
            and self._ids.shape == other._ids.shape
            and bool(np.array_equal(self._ids, other._ids))
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"LabelMap({self.width}x{self.height}, {len(self._palette)} classes, rev {self._revision})"
