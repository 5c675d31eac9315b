"""Dataset presets for SPADE / SEAN models: class names, colours and the options each dataset implies.

The class ids are those of the published label maps as the reference data
loaders read them: ADE20K's 0 ("other") is shifted to the dontcare id 150;
COCO-Stuff ids 1..182 become 0..181 with 255 ("unlabeled") as dontcare 182;
Cityscapes uses its 34 `labelIds` plus the license plate (34); CelebAMask-HQ
uses the 19 parts of the SEAN / MaskGAN tools. `labels` covers every one-hot
channel except the instance-edge channel.

OASIS reads the same datasets with other ids (`OASIS_PRESETS`, same names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

RGB = tuple[int, int, int]


def bit_interleaved_color(index: int) -> RGB:
    """The classic PASCAL-VOC colour map: bits of `index` spread over the high bits of r, g, b."""
    r = g = b = 0
    for shift in range(7, -1, -1):
        r |= ((index >> 0) & 1) << shift
        g |= ((index >> 1) & 1) << shift
        b |= ((index >> 2) & 1) << shift
        index >>= 3
    return r, g, b


ADE20K_CLASSES = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain", "chair",
    "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
    "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing", "cushion",
    "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink", "skyscraper", "fireplace",
    "refrigerator", "grandstand", "path", "stairs", "runway", "case", "pool table", "pillow", "screen door", "stairway",
    "river", "bridge", "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench",
    "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel",
    "bus", "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth", "television receiver",
    "airplane", "dirt track", "apparel", "pole", "land", "bannister", "escalator", "ottoman", "bottle", "buffet",
    "poster", "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer", "plaything", "swimming pool",
    "stool", "barrel", "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball",
    "food", "step", "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher",
    "screen", "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan",
    "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass", "clock", "flag",
)

COCO_STUFF_CLASSES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "street sign", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep",
    "cow", "elephant", "bear", "zebra", "giraffe", "hat", "backpack", "umbrella", "shoe", "eye glasses",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
    "skateboard", "surfboard", "tennis racket", "bottle", "plate", "wine glass", "cup", "fork", "knife", "spoon",
    "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut",
    "cake", "chair", "couch", "potted plant", "bed", "mirror", "dining table", "window", "desk", "toilet",
    "door", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster",
    "sink", "refrigerator", "blender", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
    "hair brush", "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage", "cardboard",
    "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter", "cupboard", "curtain", "desk-stuff",
    "dirt", "door-stuff", "fence", "floor-marble", "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog",
    "food-other", "fruit", "furniture-other", "grass", "gravel", "ground-other", "hill", "house", "leaves", "light",
    "mat", "metal", "mirror-stuff", "moss", "mountain", "mud", "napkin", "net", "paper", "pavement",
    "pillow", "plant-other", "plastic", "platform", "playingfield", "railing", "railroad", "river", "road", "rock",
    "roof", "rug", "salad", "sand", "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other",
    "stairs", "stone", "straw", "structural-other", "table", "tent", "textile-other", "towel", "tree", "vegetable",
    "wall-brick", "wall-concrete", "wall-other", "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind",
    "window-other", "wood",
)
# COCO-Stuff's usual visualisation keeps a few large stuff classes recognisable
COCO_STUFF_OVERRIDES: dict[str, RGB] = {
    "sea": (54, 62, 167),
    "sky-other": (95, 219, 255),
    "tree": (140, 104, 47),
    "clouds": (170, 170, 170),
    "grass": (29, 195, 49),
}

# Cityscapes labelIds 0..33 and the license plate, with the official colours
CITYSCAPES_CLASSES: tuple[tuple[str, RGB], ...] = (
    ("unlabeled", (0, 0, 0)), ("ego vehicle", (0, 0, 0)), ("rectification border", (0, 0, 0)),
    ("out of roi", (0, 0, 0)), ("static", (0, 0, 0)), ("dynamic", (111, 74, 0)), ("ground", (81, 0, 81)),
    ("road", (128, 64, 128)), ("sidewalk", (244, 35, 232)), ("parking", (250, 170, 160)),
    ("rail track", (230, 150, 140)), ("building", (70, 70, 70)), ("wall", (102, 102, 156)),
    ("fence", (190, 153, 153)), ("guard rail", (180, 165, 180)), ("bridge", (150, 100, 100)),
    ("tunnel", (150, 120, 90)), ("pole", (153, 153, 153)), ("polegroup", (153, 153, 153)),
    ("traffic light", (250, 170, 30)), ("traffic sign", (220, 220, 0)), ("vegetation", (107, 142, 35)),
    ("terrain", (152, 251, 152)), ("sky", (70, 130, 180)), ("person", (220, 20, 60)), ("rider", (255, 0, 0)),
    ("car", (0, 0, 142)), ("truck", (0, 0, 70)), ("bus", (0, 60, 100)), ("caravan", (0, 0, 90)),
    ("trailer", (0, 0, 110)), ("train", (0, 80, 100)), ("motorcycle", (0, 0, 230)), ("bicycle", (119, 11, 32)),
    ("license plate", (0, 0, 142)),
)

# CelebAMask-HQ face parts with the colours of the SEAN / MaskGAN painting tools
CELEBAMASK_HQ_CLASSES: tuple[tuple[str, RGB], ...] = (
    ("background", (0, 0, 0)), ("skin", (204, 0, 0)), ("nose", (76, 153, 0)), ("eye_g", (204, 204, 0)),
    ("l_eye", (51, 51, 255)), ("r_eye", (204, 0, 204)), ("l_brow", (0, 255, 255)), ("r_brow", (51, 255, 255)),
    ("l_ear", (102, 51, 0)), ("r_ear", (255, 0, 0)), ("mouth", (102, 204, 0)), ("u_lip", (255, 255, 0)),
    ("l_lip", (0, 0, 153)), ("hair", (0, 0, 204)), ("hat", (255, 51, 153)), ("ear_r", (0, 204, 204)),
    ("neck_l", (0, 51, 0)), ("neck", (255, 153, 51)), ("cloth", (0, 204, 0)),
)

DONTCARE_COLOR: RGB = (0, 0, 0)


@dataclass(frozen=True)
class DatasetPreset:
    """What a dataset implies for a SPADE / SEAN model."""

    name: str
    title: str
    label_nc: int
    contain_dontcare_label: bool
    no_instance: bool
    crop_size: int
    aspect_ratio: float
    num_upsampling_layers: str
    labels: list[dict[str, Any]] = field(default_factory=list)

    @property
    def semantic_nc(self) -> int:
        return self.label_nc + (1 if self.contain_dontcare_label else 0) + (0 if self.no_instance else 1)

    def model_options(self) -> dict[str, Any]:
        """The generator constructor arguments this dataset fixes."""
        return dict(
            label_nc=self.label_nc,
            contain_dontcare_label=self.contain_dontcare_label,
            no_instance=self.no_instance,
            crop_size=self.crop_size,
            aspect_ratio=self.aspect_ratio,
            num_upsampling_layers=self.num_upsampling_layers,
        )


def _labels(pairs: list[tuple[str, RGB]]) -> list[dict[str, Any]]:
    return [{"name": name, "color": list(color)} for name, color in pairs]


def _build() -> dict[str, DatasetPreset]:
    ade = [(name, bit_interleaved_color(i + 1)) for i, name in enumerate(ADE20K_CLASSES)]
    ade.append(("other (don't care)", DONTCARE_COLOR))
    coco = [(name, COCO_STUFF_OVERRIDES.get(name, bit_interleaved_color(i + 1))) for i, name in enumerate(COCO_STUFF_CLASSES)]
    coco.append(("unlabeled (don't care)", DONTCARE_COLOR))
    presets = [
        DatasetPreset("ade20k", "ADE20K", 150, True, True, 256, 1.0, "normal", _labels(ade)),
        DatasetPreset("coco-stuff", "COCO-Stuff", 182, True, False, 256, 1.0, "normal", _labels(coco)),
        DatasetPreset("cityscapes", "Cityscapes", 35, False, False, 512, 2.0, "more", _labels(list(CITYSCAPES_CLASSES))),
        DatasetPreset("celebamask-hq", "CelebAMask-HQ", 19, False, True, 256, 1.0, "normal", _labels(list(CELEBAMASK_HQ_CLASSES))),
    ]
    return {preset.name: preset for preset in presets}


PRESETS: dict[str, DatasetPreset] = _build()
ALIASES = {"ade": "ade20k", "coco": "coco-stuff", "cocostuff": "coco-stuff", "celeba": "celebamask-hq", "celebamaskhq": "celebamask-hq", "celebahq": "celebamask-hq"}


def _build_oasis() -> dict[str, DatasetPreset]:
    """The datasets as boschresearch/OASIS's loaders read them: ids used as they are, one dontcare channel, no instances.

    ADE20K keeps 0 ("other") at channel 0 and its classes at 1..150; COCO-Stuff's
    ids move up by one and 255 ("unlabeled") becomes 0; Cityscapes keeps its 34
    `labelIds` and adds a 35th channel its loader never fills. Each class keeps its
    SPADE preset colour; dontcare is black.
    """
    ade = [("other (don't care)", DONTCARE_COLOR)] + [(name, bit_interleaved_color(i + 1)) for i, name in enumerate(ADE20K_CLASSES)]
    coco = [("unlabeled (don't care)", DONTCARE_COLOR)]
    coco += [(name, COCO_STUFF_OVERRIDES.get(name, bit_interleaved_color(i + 1))) for i, name in enumerate(COCO_STUFF_CLASSES)]
    city = list(CITYSCAPES_CLASSES[:34]) + [("unknown (don't care)", DONTCARE_COLOR)]
    presets = [
        DatasetPreset("ade20k", "ADE20K", 150, True, True, 256, 1.0, "normal", _labels(ade)),
        DatasetPreset("coco-stuff", "COCO-Stuff", 182, True, True, 256, 1.0, "normal", _labels(coco)),
        DatasetPreset("cityscapes", "Cityscapes", 34, True, True, 512, 2.0, "normal", _labels(city)),
    ]
    return {preset.name: preset for preset in presets}


# OASIS models: label_nc, contain_dontcare_label, crop_size, aspect_ratio and labels apply
OASIS_PRESETS: dict[str, DatasetPreset] = _build_oasis()


def get_preset(name: str, presets: dict[str, DatasetPreset] | None = None) -> DatasetPreset:
    """A preset by name or alias (case, '_' and '-' insensitive); KeyError listing the known ones."""
    presets = PRESETS if presets is None else presets
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key.replace("-", ""), ALIASES.get(key, key))
    if key not in presets:
        raise KeyError(f"unknown dataset preset {name!r}; known: {', '.join(sorted(presets))}")
    return presets[key]


def preset_for_semantic_nc(semantic_nc: int, presets: dict[str, DatasetPreset] | None = None) -> DatasetPreset | None:
    """The one preset whose input has `semantic_nc` channels, or None if none or several."""
    matches = [preset for preset in (PRESETS if presets is None else presets).values() if preset.semantic_nc == semantic_nc]
    return matches[0] if len(matches) == 1 else None


def get_oasis_preset(name: str) -> DatasetPreset:
    """An OASIS preset by name or alias; KeyError listing the OASIS ones."""
    try:
        return get_preset(name, OASIS_PRESETS)
    except KeyError:
        raise KeyError(f"no OASIS preset {name!r}; known: {', '.join(sorted(OASIS_PRESETS))}") from None


def oasis_preset_for_semantic_nc(semantic_nc: int) -> DatasetPreset | None:
    """The OASIS preset with `semantic_nc` label channels (151 ADE20K, 35 Cityscapes, 183 COCO-Stuff), or None."""
    return preset_for_semantic_nc(semantic_nc, OASIS_PRESETS)
