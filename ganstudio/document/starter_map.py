"""The label map a new painting starts from: a small landscape when the palette has landscape classes.

The scene is built from the class *names* present (any order of ids): sky on
top with a few clouds, a mountain band with snowy peaks, grass below the
horizon with a lake on a sandy shore and a row of trees. A role whose class
is missing is simply left out; a palette without sky and some ground gets no
scene (None), and the caller starts from a blank map instead.
"""
from __future__ import annotations

import re

import numpy as np

from .palette import Palette

# scene role -> class names that can play it (whole words of the class name, lower case)
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "sky": ("sky",),
    "cloud": ("cloud", "clouds"),
    "mountain": ("mountain", "mountains", "hill", "hills"),
    "snow": ("snow",),
    "grass": ("grass", "meadow", "field", "ground"),
    "water": ("water", "lake", "sea", "river"),
    "sand": ("sand", "beach"),
    "tree": ("tree", "trees"),
}
GROUND_ROLES = ("grass", "water", "sand")
HORIZON = 0.55  # fraction of the height where the ground starts
PEAKS = ((0.10, 0.31), (0.32, 0.23), (0.52, 0.34), (0.71, 0.26), (0.93, 0.32))  # (x, top) as fractions
PEAK_SLOPE = 0.9
SNOW_LINE = 0.30


def scene_roles(palette: Palette) -> dict[str, int]:
    """The class id of each role found in the palette (first class whose name has one of the role's words)."""
    roles: dict[str, int] = {}
    for class_id, entry in enumerate(palette):
        words = set(re.split(r"[^a-z]+", entry.name.lower()))
        for role, names in ROLE_NAMES.items():
            if role not in roles and words.intersection(names):
                roles[role] = class_id
    return roles


def is_landscape_palette(palette: Palette) -> bool:
    return _is_landscape(scene_roles(palette))


def _is_landscape(roles: dict[str, int]) -> bool:
    return "sky" in roles and any(role in roles for role in GROUND_ROLES)


def starter_label_map(palette: Palette, width: int, height: int) -> np.ndarray | None:
    """A (height, width) landscape of the palette's classes, or None if the palette is not a landscape one."""
    roles = scene_roles(palette)
    if not _is_landscape(roles):
        return None
    # proportional coordinates, so the scene looks the same at any size
    v, u = np.mgrid[0:height, 0:width].astype(np.float32)
    v = (v + 0.5) / height
    u = (u + 0.5) / width
    ground = roles.get("grass", roles.get("sand", roles.get("water")))
    labels = np.full((height, width), roles["sky"], dtype=palette.id_dtype())
    labels[v >= HORIZON] = ground

    if "cloud" in roles:
        for cu, cv, ru, rv in ((0.22, 0.12, 0.13, 0.045), (0.30, 0.10, 0.08, 0.04), (0.74, 0.18, 0.11, 0.035)):
            labels[((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2 <= 1.0] = roles["cloud"]

    if "mountain" in roles:
        x = u[0]
        # a range of peaks: the ridge is the lowest of the peaks' slopes, above a foothill line
        ridge = np.full_like(x, 0.47)
        for centre, top in PEAKS:
            ridge = np.minimum(ridge, top + PEAK_SLOPE * np.abs(x - centre))
        ridge += 0.006 * np.sin(2 * np.pi * 13.0 * x)  # a little roughness
        mountain = (v >= ridge[None, :]) & (v < HORIZON)
        labels[mountain] = roles["mountain"]
        if "snow" in roles:
            labels[mountain & (v < SNOW_LINE)] = roles["snow"]  # caps on the high peaks only

    if "water" in roles and roles["water"] != ground:
        lake = ((u - 0.62) / 0.30) ** 2 + ((v - 0.76) / 0.10) ** 2
        if "sand" in roles:
            labels[(lake <= 1.25) & (v >= HORIZON)] = roles["sand"]
        labels[lake <= 1.0] = roles["water"]

    if "tree" in roles:
        for cu, cv, radius in ((0.06, 0.60, 0.045), (0.13, 0.63, 0.055), (0.21, 0.60, 0.04), (0.27, 0.66, 0.05), (0.93, 0.62, 0.045)):
            crown = ((u - cu) / radius) ** 2 + ((v - cv) / (radius * 1.3)) ** 2 <= 1.0
            trunk = (np.abs(u - cu) <= radius * 0.18) & (v >= cv) & (v <= cv + radius * 2.2)
            labels[crown | trunk] = roles["tree"]
    return labels
