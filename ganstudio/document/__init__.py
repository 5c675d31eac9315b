"""The painting document: label maps, palettes, tools, image I/O, project files, autosave.

No Qt and no torch here (numpy, Pillow, safetensors and the standard library
only), so everything can be tested and used headless. Modules:

- ``palette``   Palette / LabelClass: classes (name + colour), nearest-colour mapping.
- ``labelmap``  LabelMap: the (H, W) class-id array + palette + revision counter.
- ``bbox``      BBox: half-open pixel rectangles (dirty regions, undo patches).
- ``strokes``   brush segments, lines, rectangles, replace-class, eyedropper (raw arrays).
- ``fill``      flood fill of a 4-connected region.
- ``edits``     BrushStroke, one-shot tools and EditRecord (undo/redo patches).
- ``image_io``  label-map PNGs, photos (EXIF, mode conversion), PNG/JPEG export.
- ``project``   .gstudio project files.
- ``autosave``  recovery snapshots and crash recovery.
- ``atomic``    atomic file writes.
- ``limits``    what readers accept (pixels, member sizes, ratios, nesting), checked before decoding.
- ``safe_read`` bounded reading of untrusted zips, JSON and safetensors.
- ``errors``    DocumentError and its subclasses.

Typical use by the app (one undo step per stroke)::

    labelmap = LabelMap.blank(1024, 1024, palette)
    stroke = BrushStroke(labelmap, class_id=palette.index_of("grass"), size=40)
    dirty = stroke.begin(x, y)          # on press; redraw labelmap.colorize(dirty)
    dirty = stroke.move_to(x2, y2)      # on each move
    record = stroke.finish()            # on release: EditRecord or None
    record.undo(labelmap); record.redo(labelmap)

Errors meant for the user are DocumentError subclasses whose ``str()`` names
the file and the problem.
"""
from .bbox import BBox
from .edits import (
    BrushStroke,
    EditRecord,
    StrokeRecorder,
    draw_line,
    draw_rectangle,
    eyedropper,
    fill_region,
    replace_class_everywhere,
)
from .errors import (
    ClassIdOutOfRangeError,
    DocumentError,
    FileReadError,
    FileWriteError,
    PaletteError,
)
from .labelmap import LabelMap
from .palette import ColorMapping, LabelClass, Palette, default_palette

__all__ = [
    "BBox",
    "BrushStroke",
    "ClassIdOutOfRangeError",
    "ColorMapping",
    "DocumentError",
    "EditRecord",
    "FileReadError",
    "FileWriteError",
    "LabelClass",
    "LabelMap",
    "Palette",
    "PaletteError",
    "StrokeRecorder",
    "default_palette",
    "draw_line",
    "draw_rectangle",
    "eyedropper",
    "fill_region",
    "replace_class_everywhere",
]
