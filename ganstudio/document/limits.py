"""The document layer's limits on what it reads: sizes checked before anything is decoded or inflated.

A file over a limit is refused with a FileReadError that names the file, the
size it declares and the limit, so hostile or broken files cost bounded time
and memory (issue 22). Each number is derived from what the application itself
makes or can use; the reasoning is next to it.
"""
from __future__ import annotations

MIB = 1 << 20

# --- images -----------------------------------------------------------------

# Photos (reference photos, style images, Convert and Attributes inputs, folder
# runs): 50 megapixels covers the full size of today's 45-50 Mpx cameras and
# phones. Decoding costs ~4 bytes/pixel in Pillow plus the 3-4 byte array we
# return (~350 MB at the limit). JPEGs above it (61-200 Mpx sensors) are decoded
# reduced by 2, 4 or 8 (Pillow's draft mode, nearly free); other formats above
# it are refused. The models work at 256-1024 px, so nothing is lost.
MAX_PHOTO_PIXELS = 50_000_000

# Label maps are paintings at a model's resolution (256-1024 px); 4096x4096
# leaves 4x per side for larger canvases and for the label maps of cropped
# style-source photos. Mapping a colour-coded map to classes costs ~50
# bytes/pixel (np.unique over packed colours), ~850 MB at this limit.
MAX_LABEL_MAP_PIXELS = 4096 * 4096

# Formats we decode (Pillow's names): the ones the file dialogs and folder runs
# list (batch_names.IMAGE_SUFFIXES); JPEG includes MPO, which many cameras'
# JPEGs are. Pillow's other plugins (EPS runs Ghostscript; rare formats get
# little scrutiny) are not offered hostile input.
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "DIB", "GIF", "TIFF", "WEBP", "PPM", "TGA")

# --- zip archives (.gstudio projects, .npz latents) ---------------------------

# Our writers make at most 4 members; others may add a few. The count and the
# central directory's size are checked before zipfile parses the directory,
# which it would otherwise hold in memory entry by entry.
MAX_ZIP_MEMBERS = 64
MAX_ZIP_DIRECTORY_BYTES = 1 * MIB

# A member declaring more than RATIO_CHECK_FLOOR bytes may not inflate more than
# MAX_COMPRESSION_RATIO times. Deflate's own ceiling is ~1030:1, reached by runs
# of zeros (a zip bomb). What we write stays well below 200:1 at those sizes:
# photos compress ~1-3:1, a 4096x4096 painted label map ~300:1 but it sits next
# to its photo, a smooth gradient ~160:1. Smaller members are not checked: they
# are cheap to inflate whatever their ratio (and small label maps compress well).
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_FLOOR = 32 * MIB

# project.json: view state, palette, region styles, favourites' settings. A
# 65536-class palette is ~3 MB of JSON; real projects are a few KB.
MAX_PROJECT_JSON_BYTES = 8 * MIB
# JSON nesting: what we write is at most ~6 levels deep.
MAX_JSON_DEPTH = 32

# labelmap.png: a MAX_LABEL_MAP_PIXELS uint16 map stored uncompressed is 33.6 MB;
# its pixel size is then checked from the PNG header like any label map.
MAX_LABEL_MAP_MEMBER_BYTES = 64 * MIB

# styles.safetensors: per style source a photo (uint8 HxWx3) and its label map
# (HxW, same size, so at most MAX_LABEL_MAP_PIXELS: 50 + 34 MB), plus the SPADE
# style image (a photo, up to 150 MB). 512 MB holds the style image and four
# full-size sources; real ones are a few MB.
MAX_STYLES_MEMBER_BYTES = 512 * MIB

# latents.safetensors: favourites' ws (18 x 512 float32 = 36 KB for a 1024 px
# StyleGAN2) and thumbnails (a few KB); 256 MB is thousands of favourites.
MAX_LATENTS_MEMBER_BYTES = 256 * MIB

# A safetensors header (JSON: one entry per array).
MAX_SAFETENSORS_HEADER_BYTES = 4 * MIB
MAX_ARRAYS_PER_MEMBER = 10_000

# .npz latents: w is [1, num_ws, w_dim]; the largest StyleGAN2 (1024 px) has
# 18 x 512. A million values (4 MB float32, 8 MB float64) is far beyond any model.
MAX_LATENT_VALUES = 1 << 20
MAX_NPY_HEADER_BYTES = 10_000  # numpy's own default for .npy headers

# --- small JSON side files ----------------------------------------------------

# Autosave's per-document info and session files: a few hundred bytes.
MAX_INFO_FILE_BYTES = 64 * 1024

CHUNK_BYTES = 1 * MIB  # how much is inflated at a time while counting


def megapixels(pixels: int) -> str:
    """'165.2 megapixels', for messages."""
    return f"{pixels / 1e6:.1f} megapixels"


def human_bytes(count: int) -> str:
    """'3.0 GB', '512 bytes', for messages (decimal units, as file managers show)."""
    if count < 1000:
        return f"{count} bytes"
    value = float(count)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000:
            break
    return f"{value:.1f} {unit}"
