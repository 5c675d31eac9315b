"""Reading and writing images: label maps, photos and generated outputs.

Label maps
    Written as an indexed PNG: pixel value = class id, PLTE = the palette
    colours, and an iTXt chunk ``ganstudio.palette`` holding the palette JSON
    so class names survive. A palette of more than 256 classes cannot be an
    indexed PNG; such maps are written as 16-bit grayscale PNGs (value = class
    id) with the same palette chunk.
    Read from: indexed PNGs (index = class id), 8/16-bit grayscale images
    (value = class id) and colour-coded RGB(A) images (each colour mapped to
    the nearest palette colour, with a report of the colours that matched no
    palette entry).

Photos
    Any format Pillow opens; EXIF orientation applied; grayscale, 16-bit,
    CMYK, palette and other modes converted to 8-bit RGB (RGBA when the image
    has alpha), with a note in words for each conversion.

Outputs
    PNG with the generation settings as text chunks, or JPEG (settings in the
    comment segment). All writes are atomic.

Unreadable or corrupt files raise FileReadError naming the file and problem.
"""
from __future__ import annotations

import io
import json
import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin, UnidentifiedImageError

from . import limits
from .atomic import write_atomic
from .errors import DocumentError, FileReadError, PaletteError
from .labelmap import LabelMap, check_class_ids
from .palette import ColorMapping, Palette, palette_from_colors
from .safe_read import parse_json

PALETTE_CHUNK = "ganstudio.palette"
SETTINGS_CHUNK = "ganstudio.settings"
_SIXTEEN_BIT_KEY = "ganstudio.16bit-colour"

Source = str | os.PathLike[str] | BinaryIO

_PIL_READ_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    zlib.error,
    struct.error,
    Image.DecompressionBombError,
)


def _name_of(source: Source, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    return getattr(source, "name", "<data>")


_REDUCED_KEY = "ganstudio.reduced"  # (original width, height, factor) when decoded reduced
_ANIMATED_KEY = "ganstudio.animated"
_FORMAT_NAMES = "PNG, JPEG, BMP, GIF, TIFF, WebP, PPM or TGA"
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


def _too_large(width: int, height: int, max_pixels: int, kind: str) -> str:
    return (
        f"the image is {width}x{height} ({limits.megapixels(width * height)}); {kind} can be at most "
        f"{limits.megapixels(max_pixels)}"
    )


def _reduce_jpeg(image: Image.Image, max_pixels: int) -> int:
    """Ask the JPEG decoder for a size reduced by 2, 4 or 8 that fits `max_pixels`; the factor, or 0 if none does."""
    width, height = image.size
    for factor in (2, 4, 8):
        if -(-width // factor) * -(-height // factor) <= max_pixels:
            image.draft(None, (width // factor, height // factor))
            return factor if image.size[0] * image.size[1] <= max_pixels else 0
    return 0


def open_image(
    source: Source,
    *,
    name: str | None = None,
    max_pixels: int | None = None,
    reduce: bool = False,
    kind: str = "photos",
) -> Image.Image:
    """Open and fully decode an image (first frame); errors become FileReadError.

    The pixel size is read from the header and checked against `max_pixels`
    (default: `limits.MAX_PHOTO_PIXELS`) before anything is decoded; `kind` names what the limit is for in the
    message ("photos", "label maps"). With `reduce`, a JPEG over the limit is
    decoded at 1/2, 1/4 or 1/8 size instead (``image.info["ganstudio.reduced"]``
    says so); other formats are refused.
    """
    label = _name_of(source, name)
    if max_pixels is None:
        max_pixels = limits.MAX_PHOTO_PIXELS
    image: Image.Image | None = None
    try:
        image = Image.open(source, formats=limits.IMAGE_FORMATS)
        # frames past the first are not counted (a GIF can hold millions); is_animated looks at the
        # second only. Before draft(): going back to frame 0 would undo it.
        image.info[_ANIMATED_KEY] = bool(getattr(image, "is_animated", False))
        if image.info[_ANIMATED_KEY]:
            image.seek(0)
        width, height = image.size
        if width * height > max_pixels:
            factor = _reduce_jpeg(image, max_pixels) if reduce and image.format in ("JPEG", "MPO") else 0
            if not factor:
                raise FileReadError(_too_large(width, height, max_pixels, kind), path=label)
            image.info[_REDUCED_KEY] = (width, height, factor)
        # Pillow silently reduces 16-bit-per-channel colour to 8 bits; its raw mode
        # (e.g. "RGB;16B") is the only trace, and it is gone after load().
        raw_modes = [t.args if isinstance(t.args, str) else (t.args or ("",))[0] for t in image.tile]
        image.load()
    except FileReadError:
        if image is not None:
            image.close()
        raise
    except FileNotFoundError:
        raise FileReadError("file not found", path=label) from None
    except IsADirectoryError:
        raise FileReadError("is a folder, not an image file", path=label) from None
    except UnidentifiedImageError:
        raise FileReadError(f"not an image file, or not in a format GAN Studio reads ({_FORMAT_NAMES})", path=label) from None
    except Image.DecompressionBombError as exc:
        # Pillow's own last-resort limit (hundreds of megapixels), hit while reading the header
        found = _BOMB_PIXELS.search(str(exc))
        size = f" ({limits.megapixels(int(found.group(1)))})" if found else ""
        raise FileReadError(f"the image is far too large{size}; {kind} can be at most {limits.megapixels(max_pixels)}", path=label) from None
    except _PIL_READ_ERRORS as exc:
        if image is not None:
            image.close()
        raise FileReadError(f"the image is corrupt or truncated ({exc})", path=label) from None
    if any(isinstance(m, str) and ";16" in m for m in raw_modes) and image.mode in ("RGB", "RGBA"):
        image.info[_SIXTEEN_BIT_KEY] = True
    return image


# ---------------------------------------------------------------------------
# label maps


@dataclass
class LabelMapFile:
    """A label map read from a file, with how it was interpreted.

    `kind` is "indexed", "grayscale" or "rgb". `file_palette` is the palette
    the file itself described (names from our chunk, else colours from PLTE),
    if any. `color_mapping` is set for RGB files. `notes` are sentences for the
    user (alpha ignored, palette differs from the model's...).
    """

    labelmap: LabelMap
    kind: str
    file_palette: Palette | None = None
    color_mapping: ColorMapping | None = None
    notes: list[str] = field(default_factory=list)


def _palette_from_chunk(image: Image.Image, label: str) -> Palette | None:
    text = image.info.get(PALETTE_CHUNK)
    if text is None:
        return None
    try:
        return Palette.from_json(parse_json(text, label, f"its {PALETTE_CHUNK} text chunk"))
    except PaletteError as exc:
        raise FileReadError(f"its {PALETTE_CHUNK} text chunk is not a valid palette ({exc})", path=label) from None


def read_label_map(
    source: Source,
    palette: Palette | None = None,
    *,
    color_tolerance: float = 0.0,
    name: str | None = None,
) -> LabelMapFile:
    """Read a label map, interpreted against `palette` (the current model's) if given.

    With no `palette` the file's own is used (our palette chunk, else the PNG
    PLTE, else a generic one sized to the ids; for RGB files one entry per
    distinct colour, at most 256). Raises FileReadError for unreadable files
    and ClassIdOutOfRangeError (naming the ids) when ids do not fit the palette.
    """
    label = _name_of(source, name)
    image = open_image(source, name=name, max_pixels=limits.MAX_LABEL_MAP_PIXELS, kind="label maps")
    notes: list[str] = []
    chunk_palette = _palette_from_chunk(image, label)
    mode = image.mode
    mapping: ColorMapping | None = None

    if mode in ("P", "PA"):
        kind = "indexed"
        if mode == "PA":
            notes.append("the alpha channel was ignored")
        ids = np.asarray(image)
        if ids.ndim == 3:  # PA: the indices are the first band
            ids = ids[..., 0]
        file_palette = chunk_palette
        if file_palette is None:
            raw = image.getpalette() or []
            colors = [tuple(raw[i : i + 3]) for i in range(0, len(raw) - len(raw) % 3, 3)]
            file_palette = palette_from_colors(colors) if colors else None
    elif mode in ("L", "LA", "I;16", "I;16L", "I;16B", "I", "1"):
        kind = "grayscale"
        arr = np.asarray(image)
        if mode == "LA":
            arr = arr[..., 0]
            notes.append("the alpha channel was ignored")
        if arr.dtype.kind == "b":
            arr = arr.astype(np.uint8)
        if arr.dtype.kind == "i" and arr.size and (int(arr.min()) < 0 or int(arr.max()) > 65535):
            raise FileReadError("grayscale values outside 0..65535 cannot be class ids", path=label)
        ids = arr.astype(np.uint16) if arr.dtype.itemsize > 1 else arr
        file_palette = chunk_palette
    elif mode in ("RGB", "RGBA"):
        kind = "rgb"
        rgb = np.asarray(image)
        if mode == "RGBA":
            rgb = rgb[..., :3]
            notes.append("the alpha channel was ignored")
        file_palette = chunk_palette
        target = palette or file_palette
        if target is None:
            packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
            distinct = np.unique(packed)
            if len(distinct) > 256:
                raise FileReadError(
                    f"a colour-coded label map with {len(distinct)} colours needs a palette (load a model first)",
                    path=label,
                )
            target = palette_from_colors([(int(v >> 16), int((v >> 8) & 255), int(v & 255)) for v in distinct])
            file_palette = target
        mapping = target.map_colors(rgb, tolerance=color_tolerance)
        ids = mapping.ids
        if not mapping.exact:
            notes.append(mapping.summary(target))
    else:
        raise FileReadError(f"a {mode} image cannot be a label map (use indexed, grayscale or RGB)", path=label)

    use = palette or file_palette
    if use is None:
        use = Palette.generic(int(ids.max()) + 1 if ids.size else 1)
        notes.append(f"the file has no palette; using {len(use)} generic classes")
    elif palette is not None and file_palette is not None and kind != "rgb" and file_palette != palette:
        # a PLTE alone carries no names, so only its colours can be compared
        common = min(len(palette), len(file_palette))
        if chunk_palette is not None and file_palette.names[:common] != palette.names[:common]:
            notes.append("the file's class names differ from the current palette; class ids were kept as they are")
        elif chunk_palette is None and not np.array_equal(file_palette.colors[:common], palette.colors[:common]):
            notes.append("the file's colours differ from the current palette; class ids were kept as they are")
    check_class_ids(ids, use, path=label)
    return LabelMapFile(LabelMap(ids, use, copy=False), kind, file_palette, mapping, notes)


def encode_label_map(labelmap: LabelMap) -> bytes:
    """The PNG bytes of a label map (indexed, or 16-bit grayscale past 256 classes)."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(PALETTE_CHUNK, json.dumps(labelmap.palette.to_json(), ensure_ascii=False), zip=True)
    ids = labelmap.ids
    if len(labelmap.palette) <= 256:
        image = Image.fromarray(np.ascontiguousarray(ids, dtype=np.uint8), mode="L")
        image.putpalette(labelmap.palette.colors.reshape(-1).tolist())
    else:
        image = Image.fromarray(np.ascontiguousarray(ids, dtype=np.uint16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, optimize=False, compress_level=6)
    return buffer.getvalue()


def write_label_map(path: str | os.PathLike[str], labelmap: LabelMap) -> Path:
    """Save a label map as PNG (see the module docstring), atomically."""
    return write_atomic(path, encode_label_map(labelmap))


# ---------------------------------------------------------------------------
# photos


@dataclass
class Photo:
    """An input photo as 8-bit RGB or RGBA pixels, plus notes on what was converted."""

    pixels: np.ndarray
    notes: list[str]
    original_mode: str
    format: str | None

    @property
    def has_alpha(self) -> bool:
        return self.pixels.shape[2] == 4

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) after orientation."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


def _sixteen_to_eight(arr: np.ndarray) -> np.ndarray:
    return ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def read_photo(source: Source, *, keep_alpha: bool = True, name: str | None = None) -> Photo:
    """Read any image as an 8-bit RGB(A) array, EXIF orientation applied."""
    label = _name_of(source, name)
    image = open_image(source, name=name, reduce=True)
    fmt = image.format
    mode = image.mode
    notes: list[str] = []
    reduced = image.info.get(_REDUCED_KEY)
    if reduced:
        width, height, factor = reduced
        notes.append(
            f"decoded at 1/{factor} size, {image.width}x{image.height}: the image is {width}x{height} "
            f"({limits.megapixels(width * height)}) and photos can be at most {limits.megapixels(limits.MAX_PHOTO_PIXELS)}"
        )
    if image.info.get(_ANIMATED_KEY):
        notes.append("only its first frame was used (it holds several)")
    try:
        orientation = image.getexif().get(0x0112, 1)
    except _PIL_READ_ERRORS:
        orientation = 1
        notes.append("its EXIF data is unreadable, so its orientation was ignored")
    if isinstance(orientation, int) and 2 <= orientation <= 8:
        try:
            image = ImageOps.exif_transpose(image)
        except _PIL_READ_ERRORS as exc:
            raise FileReadError(f"its EXIF orientation could not be applied ({exc})", path=label) from None
        notes.append(f"rotated/flipped upright as its EXIF orientation ({orientation}) asks")
    elif orientation not in (None, 1):
        # 1-8 are the only orientations; anything else claims nothing we can apply
        shown = orientation if isinstance(orientation, int) else type(orientation).__name__
        notes.append(f"its EXIF orientation ({shown}) is not a valid value, so it was ignored")

    if mode == "RGB" and image.mode == "RGB":
        pixels = np.asarray(image)  # no converted copy: at 50 Mpx each one is 200 MB
    elif mode == "RGBA" and image.mode == "RGBA":
        pixels = np.asarray(image)
    elif mode in ("RGB",):
        pixels = np.asarray(image.convert("RGB"))
    elif mode in ("RGBA", "RGBa"):
        pixels = np.asarray(image.convert("RGBA"))
    elif mode in ("L", "1"):
        pixels = np.asarray(image.convert("RGB"))
        notes.append("grayscale converted to RGB" if mode == "L" else "black-and-white converted to RGB")
    elif mode == "LA":
        pixels = np.asarray(image.convert("RGBA"))
        notes.append("grayscale converted to RGB (alpha kept)")
    elif mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        arr = np.asarray(image)
        if mode == "I":
            arr = np.clip(arr, 0, 65535)
        gray = _sixteen_to_eight(arr)
        pixels = np.repeat(gray[..., None], 3, axis=2)
        notes.append("16-bit grayscale reduced to 8 bits and converted to RGB")
    elif mode == "F":
        arr = np.asarray(image, dtype=np.float64)
        scale = 255.0 if arr.size and float(np.nanmax(arr)) <= 1.0 else 1.0
        gray = np.clip(np.nan_to_num(arr * scale), 0, 255).round().astype(np.uint8)
        pixels = np.repeat(gray[..., None], 3, axis=2)
        notes.append("floating-point grayscale converted to 8-bit RGB")
    elif mode == "CMYK":
        pixels = np.asarray(image.convert("RGB"))
        notes.append("CMYK converted to RGB (without colour management)")
    elif mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        pixels = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
        notes.append("palette image converted to RGB" + (" (transparency kept as alpha)" if has_alpha else ""))
    else:
        try:
            pixels = np.asarray(image.convert("RGB"))
        except _PIL_READ_ERRORS as exc:
            raise FileReadError(f"its colour mode {mode} cannot be converted to RGB ({exc})", path=label) from None
        notes.append(f"{mode} converted to RGB")

    if image.info.get(_SIXTEEN_BIT_KEY):
        notes.append("16 bits per channel reduced to 8")
    if pixels.shape[2] == 4 and not keep_alpha:
        pixels = pixels[..., :3]
        notes.append("the alpha channel was dropped")
    return Photo(np.ascontiguousarray(pixels), notes, mode, fmt)


# ---------------------------------------------------------------------------
# outputs

_JPEG_SUFFIXES = {".jpg", ".jpeg", ".jpe", ".jfif"}


def _settings_json(settings: Mapping[str, Any]) -> str:
    try:
        return json.dumps(dict(settings), ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError) as exc:
        raise DocumentError(f"generation settings cannot be written as JSON: {exc}") from None


def _is_png_keyword(key: str) -> bool:
    # PNG keywords: 1-79 Latin-1 printable characters, no leading/trailing/double spaces
    if not 1 <= len(key) <= 79 or key != key.strip() or "  " in key:
        return False
    return all(32 <= ord(c) <= 126 or 161 <= ord(c) <= 255 for c in key)


def encode_image(
    pixels: np.ndarray,
    format: str = "PNG",
    *,
    settings: Mapping[str, Any] | None = None,
    quality: int = 92,
) -> bytes:
    """Encode (H, W, 3|4) uint8 pixels as PNG (settings as text chunks) or JPEG.

    PNG: one iTXt chunk ``ganstudio.settings`` with all settings as JSON, plus
    one readable text chunk per setting whose name is a valid PNG keyword.
    JPEG: the settings JSON goes in the comment segment; alpha is composited
    over white since JPEG has none.
    """
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise DocumentError(f"expected (H, W, 3|4) uint8 pixels, got {pixels.dtype} {pixels.shape}")
    fmt = format.upper()
    buffer = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Software", "GAN Studio")
        if settings:
            info.add_itxt(SETTINGS_CHUNK, _settings_json(settings), zip=True)
            for key, value in settings.items():
                if not _is_png_keyword(str(key)):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                try:
                    text.encode("latin-1")
                    info.add_text(str(key), text)
                except UnicodeEncodeError:
                    info.add_itxt(str(key), text)
        Image.fromarray(pixels).save(buffer, format="PNG", pnginfo=info)
    elif fmt in ("JPEG", "JPG"):
        if not 1 <= quality <= 100:
            raise DocumentError(f"JPEG quality {quality} is outside 1..100")
        if pixels.shape[2] == 4:
            alpha = pixels[..., 3:4].astype(np.uint16)
            pixels = ((pixels[..., :3] * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
        extra: dict[str, Any] = {}
        if settings:
            extra["comment"] = _settings_json(settings).encode("utf-8")
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(quality), **extra)
    else:
        raise DocumentError(f"cannot export as {format}: use PNG or JPEG")
    return buffer.getvalue()


def write_image(
    path: str | os.PathLike[str],
    pixels: np.ndarray,
    *,
    settings: Mapping[str, Any] | None = None,
    format: str | None = None,
    quality: int = 92,
) -> Path:
    """Export an output image atomically; the format follows the suffix unless given."""
    if format is None:
        format = "JPEG" if Path(path).suffix.lower() in _JPEG_SUFFIXES else "PNG"
    return write_atomic(path, encode_image(pixels, format, settings=settings, quality=quality))


def read_image_settings(source: Source, *, name: str | None = None) -> dict[str, Any]:
    """The generation settings stored by `write_image` ({} when there are none)."""
    label = _name_of(source, name)
    image = open_image(source, name=name)
    text = image.info.get(SETTINGS_CHUNK)
    if text is None:
        comment = image.info.get("comment")
        if not comment:
            return {}
        text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
    try:
        value = parse_json(text, label, "its generation settings")
    except FileReadError as exc:
        raise FileReadError(f"its generation settings are unusable: {exc.reason}", path=label) from None
    return value if isinstance(value, dict) else {}


__all__ = [
    "LabelMapFile",
    "Photo",
    "encode_image",
    "encode_label_map",
    "open_image",
    "read_image_settings",
    "read_label_map",
    "read_photo",
    "write_image",
    "write_label_map",
]
