"""The constructor arguments every architecture accepts: type and allowed range, per argument.

One declaration per architecture (`SCHEMAS`, keyed like the registry), checked
before anything is built, so that a configuration read from a file (a native
header, a pickle's ``init_kwargs``, an importer's detection, a caller's hints)
cannot ask for a network of absurd size or a constructor crash. The ranges are
generous: they hold every published model and the tiny configurations the
tests and the trainer use (ngf=1...), and stop at values no real model reaches
(a channel count above 4096, a thousand blocks, a 2^20 pixel image).

A schema only bounds each argument on its own plus a few rules across arguments;
what a whole configuration implies (its parameter count) is compared with the
weights in a file by building it on the meta device (`registry.state_shapes`).

Pure Python, no torch: a later per-family declaration takes these dicts as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union


class ConfigError(ValueError):
    """A configuration argument is missing, of the wrong type or out of range. `argument` names it."""

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        self.problem = problem
        super().__init__(f"{argument} {problem}" if argument else problem)


def show(value: Any, limit: int = 40) -> str:
    """A short repr for messages: hostile values can be megabytes long (or ints too long to print)."""
    if isinstance(value, (dict, list, tuple)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} of {len(value)}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        return f"a {value.bit_length()}-bit number"
    if not isinstance(value, (str, bytes, int, float, type(None))):
        return f"a {type(value).__name__}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: Any) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "a string", type(None): "null",
             list: "a list", tuple: "a list", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


# ----------------------------------------------------------------------------- argument kinds


@dataclass(frozen=True)
class Int:
    """A whole number in [lo, hi]. `size`: the argument scales the parameter count (named in size messages)."""

    lo: int
    hi: int
    optional: bool = False  # None allowed (the constructor picks a value)
    size: bool = False
    power_of_two: bool = False

    def check(self, name: str, value: Any) -> None:
        if value is None and self.optional:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, f"must be a whole number, not {_type_name(value)} ({show(value)})")
        if value < self.lo:
            raise ConfigError(name, f"is {show(value)}, below the smallest supported value {self.lo}")
        if value > self.hi:
            raise ConfigError(name, f"is {show(value)}, above the largest supported value {self.hi}")
        if self.power_of_two and value & (value - 1):
            raise ConfigError(name, f"is {value}, not a power of two")


@dataclass(frozen=True)
class Float:
    """A finite number in [lo, hi] (whole numbers accepted: JSON writes 1.0 as 1)."""

    lo: float
    hi: float
    optional: bool = False
    above_lo: bool = False  # lo itself excluded (divisors)
    size: bool = False

    def check(self, name: str, value: Any) -> None:
        if value is None and self.optional:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(name, f"must be a number, not {_type_name(value)} ({show(value)})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(name, f"must be a finite number, not {value}")
        if value < self.lo or (self.above_lo and value == self.lo):
            raise ConfigError(name, f"is {show(value)}, {'not above' if self.above_lo else 'below'} the smallest supported value {self.lo}")
        if value > self.hi:
            raise ConfigError(name, f"is {show(value)}, above the largest supported value {self.hi}")


@dataclass(frozen=True)
class Bool:
    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, bool):
            raise ConfigError(name, f"must be true or false, not {_type_name(value)} ({show(value)})")


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or value not in self.options:
            raise ConfigError(name, f"must be one of {', '.join(self.options)}, not {show(value)}")


@dataclass(frozen=True)
class Taps:
    """FIR filter taps: a 1-D list of numbers or a square 2-D list, finite, not summing to zero."""

    max_taps: int = 16

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, (list, tuple)) or not value:
            raise ConfigError(name, f"must be a non-empty list of numbers, not {show(value)}")
        rows = value if isinstance(value[0], (list, tuple)) else [value]
        if len(rows) > self.max_taps or any(not isinstance(row, (list, tuple)) or len(row) != len(rows[0]) or not row
                                             or len(row) > self.max_taps for row in rows):
            raise ConfigError(name, f"must be at most {self.max_taps} taps, or a square table of them")
        if len(rows) > 1 and len(rows) != len(rows[0]):
            raise ConfigError(name, "a 2-D filter must be square")
        total = 0.0
        for row in rows:
            for tap in row:
                if isinstance(tap, bool) or not isinstance(tap, (int, float)) or not math.isfinite(tap) or abs(tap) > 1e6:
                    raise ConfigError(name, f"holds {show(tap)}, not a finite number")
                total += tap
        if total == 0:
            raise ConfigError(name, "sums to zero (the filter is normalised by its sum)")


@dataclass(frozen=True)
class Strings:
    """A list of short strings (attribute names)."""

    max_items: int = 1024
    max_length: int = 200

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, (list, tuple)) or len(value) > self.max_items:
            raise ConfigError(name, f"must be a list of at most {self.max_items} names, not {show(value)}")
        for item in value:
            if not isinstance(item, str) or len(item) > self.max_length:
                raise ConfigError(name, f"holds {show(item)}, not a name of at most {self.max_length} characters")


@dataclass(frozen=True)
class Group:
    """Keyword arguments passed on to a sub-network (StyleGAN2's mapping_kwargs...); None means {}."""

    args: Mapping[str, "Spec"]

    def check(self, name: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, Mapping):
            raise ConfigError(name, f"must be a mapping of arguments, not {_type_name(value)}")
        check_args(self.args, value, prefix=f"{name}.")


@dataclass(frozen=True)
class IndexList:
    """Comma-separated whole numbers in [0, hi), as HyperStyle's options write its tuned layers ("0,2,3"); "" = all."""

    hi: int

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or len(value) > 8 * self.hi:
            raise ConfigError(name, f"must be a comma-separated list of layer numbers, not {show(value)}")
        for part in value.split(",") if value.strip() else []:
            if not part.strip().isdigit() or not 0 <= int(part) < self.hi:
                raise ConfigError(name, f"holds {show(part)}, not a layer number below {self.hi}")


@dataclass(frozen=True)
class IntList:
    """A list of whole numbers, each checked by `item` (ProGAN's channels per scale); at most `max_items`."""

    item: Int
    max_items: int
    size: bool = False

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"must be a list of whole numbers, not {_type_name(value)} ({show(value)})")
        if len(value) > self.max_items:
            raise ConfigError(name, f"has {len(value)} entries, more than the largest supported {self.max_items}")
        for index, item in enumerate(value):
            self.item.check(f"{name}[{index}]", item)


Spec = Union[Int, Float, Bool, Choice, Taps, Strings, Group, IndexList, IntList]
# A rule across arguments: the configuration with the constructor's defaults filled in ->
# None, or (argument, problem) naming the argument to blame.
Rule = Callable[[Mapping[str, Any]], Union[tuple[str, str], None]]


def check_args(args: Mapping[str, Spec], config: Mapping[str, Any], prefix: str = "") -> None:
    for name in config:
        if not isinstance(name, str) or name not in args:
            label = name if isinstance(name, str) and name.isidentifier() and len(name) <= 60 else show(name)
            raise ConfigError(prefix + label, "is not an argument of this network")
    for name, value in config.items():
        args[name].check(prefix + name, value)


def _size_arguments(args: Mapping[str, Spec], config: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, spec in args.items():
        if name not in config:
            continue
        if isinstance(spec, Group) and isinstance(config[name], Mapping):
            found.update(_size_arguments(spec.args, config[name], f"{prefix}{name}."))
        elif getattr(spec, "size", False):
            found[prefix + name] = config[name]
    return found


@dataclass(frozen=True)
class ConfigSchema:
    """What one architecture's constructor accepts. Required arguments and defaults come from its signature."""

    args: Mapping[str, Spec]
    rules: tuple[Rule, ...] = field(default=())

    def validate(self, config: Any, *, required: tuple[str, ...] = (), defaults: Mapping[str, Any] | None = None) -> None:
        """ConfigError naming the first bad argument, else None."""
        if not isinstance(config, Mapping):
            raise ConfigError("", f"the configuration is {_type_name(config)}, not a mapping of arguments")
        for name in required:
            if name not in config:
                raise ConfigError(name, "is missing")
        check_args(self.args, config)
        full = {**(defaults or {}), **config}
        for rule in self.rules:
            blame = rule(full)
            if blame is not None:
                raise ConfigError(*blame)

    def size_arguments(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The given arguments that scale the parameter count (nested ones as group.name), for messages."""
        return _size_arguments(self.args, config, "")


# ----------------------------------------------------------------------------- shared ranges

# Channel widths: the widest published layers are 1024-2048 (SPADE 16*ngf, StarGAN 4*conv_dim).
BASE_WIDTH = Int(1, 512, size=True)  # ngf / ndf / conv_dim: multiplied by up to 16 inside
WIDTH = Int(1, 4096, size=True)  # a width used as it is (z_dim, w_dim, style_dim...)
IMAGE_CHANNELS = Int(1, 64)
CLASSES = Int(1, 2048, size=True)  # label_nc: COCO-Stuff has 182
PIXELS = Int(1, 16384, size=True)  # an image side
ASPECT = Float(0.05, 20.0, size=True)
JUNYAN_NORMS = Choice(("batch", "instance", "none"))
PARAM_FREE_NORMS = Choice(("syncbatch", "batch", "instance"))
UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}
KERNEL = Int(1, 15)
ACTIVATIONS = Choice(("linear", "relu", "lrelu", "tanh", "sigmoid", "elu", "selu", "softplus", "swish"))
SG2_ARCHITECTURES = Choice(("orig", "skip", "resnet"))
CLAMP = Float(0.0, 1e9, optional=True)
# StyleGAN2 constructor defaults the cross rules need (synthesis / discriminator)
SG2_CHANNEL_BASE, SG2_CHANNEL_MAX = 32768, 512


def _latent_grid(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """SPADE/SEAN: the first feature map (crop_size / 2**ups, divided by the aspect ratio) must be at least 1x1."""
    sw = config["crop_size"] // 2 ** UPSAMPLINGS[config["num_upsampling_layers"]]
    if sw < 1:
        return "crop_size", f"is {config['crop_size']}, too small for {config['num_upsampling_layers']!r} upsampling"
    if round(sw / config["aspect_ratio"]) < 1:
        return "aspect_ratio", f"is {config['aspect_ratio']}, too wide for crop_size {config['crop_size']}"
    return None


def _oasis_latent_grid(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """OASIS: five 2x upsamplings, so the first feature map (crop_size / 32, divided by the aspect ratio) must be at least 1x1."""
    sw = config["crop_size"] // 32
    if sw < 1:
        return "crop_size", f"is {config['crop_size']}, too small for OASIS (at least 32)"
    if round(sw / config["aspect_ratio"]) < 1:
        return "aspect_ratio", f"is {config['aspect_ratio']}, too wide for crop_size {config['crop_size']}"
    return None


def _sean_style_classes(config: Mapping[str, Any]) -> tuple[str, str] | None:
    semantic = config["label_nc"] + bool(config["contain_dontcare_label"]) + (not config["no_instance"])
    styles = config.get("num_style_classes")
    if styles is not None and styles < semantic:
        return "num_style_classes", f"is {styles}, fewer than the {semantic} semantic channels"
    return None


def _sean_upsampling(config: Mapping[str, Any]) -> tuple[str, str] | None:
    # the reference builds up_4 but never runs it, so a 'most' SEAN cannot work
    if config["num_upsampling_layers"] == "most":
        return "num_upsampling_layers", "is 'most', which SEAN does not support (normal or more)"
    return None


def _stargan_kernel(config: Mapping[str, Any]) -> tuple[str, str] | None:
    if config["image_size"] // 2 ** config["repeat_num"] < 1:
        return "image_size", f"is {config['image_size']}, smaller than 2**repeat_num = {2 ** config['repeat_num']}"
    return None


def _stylegan_channels(kwargs_key: str | None) -> Rule:
    """StyleGAN2: the top resolution must keep at least one channel (min(channel_base // res, channel_max))."""

    def rule(config: Mapping[str, Any]) -> tuple[str, str] | None:
        source = (config.get(kwargs_key) or {}) if kwargs_key else config
        base = source.get("channel_base", SG2_CHANNEL_BASE)
        top = min(base // config["img_resolution"], source.get("channel_max", SG2_CHANNEL_MAX))
        if top < 1:
            where = f"{kwargs_key}.channel_base" if kwargs_key else "channel_base"
            return where, f"is {base}, which leaves no channels at img_resolution {config['img_resolution']}"
        return None

    return rule


def _munit_widest(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """MUNIT/UNIT: the content code has dim * 2**n_downsample channels; keep it within the widest published layers' range."""
    if config["dim"] * 2 ** config["n_downsample"] > 8192:
        return "n_downsample", f"is {config['n_downsample']}: dim * 2**n_downsample = {config['dim'] * 2 ** config['n_downsample']} channels, over 8192"
    return None


# ----------------------------------------------------------------------------- the schemas

_SPADE_COMMON: dict[str, Spec] = {
    "label_nc": CLASSES,
    "contain_dontcare_label": Bool(),
    "no_instance": Bool(),
    "ngf": Int(1, 256, size=True),  # 16 * ngf channels in the first blocks
    "crop_size": PIXELS,
    "aspect_ratio": ASPECT,
    "num_upsampling_layers": Choice(tuple(UPSAMPLINGS)),
    "spectral_norm": Bool(),
    "param_free_norm_type": PARAM_FREE_NORMS,
    "spade_kernel_size": KERNEL,
    "spade_hidden": Int(1, 1024, size=True),
}

_SG2_MAPPING: dict[str, Spec] = {
    "num_layers": Int(1, 32, size=True),
    "embed_features": Int(0, 4096, optional=True, size=True),
    "layer_features": Int(1, 4096, optional=True, size=True),
    "activation": ACTIVATIONS,
    "lr_multiplier": Float(0.0, 1e4, above_lo=True),  # weights are stored divided by it
    "w_avg_beta": Float(0.0, 1.0, optional=True),
}
_SG2_LAYER: dict[str, Spec] = {
    "kernel_size": KERNEL,
    "use_noise": Bool(),
    "activation": ACTIVATIONS,
}
_SG2_BLOCK: dict[str, Spec] = {
    **_SG2_LAYER,
    "architecture": SG2_ARCHITECTURES,
    "resample_filter": Taps(),
    "conv_clamp": CLAMP,
    "fp16_channels_last": Bool(),
}
_SG2_SYNTHESIS: dict[str, Spec] = {
    **_SG2_BLOCK,
    "channel_base": Int(1, 2**24, size=True),
    "channel_max": Int(1, 4096, size=True),
    "num_fp16_res": Int(0, 16),
}
_SG2_RESOLUTION = Int(4, 16384, power_of_two=True, size=True)

_MUNIT_COMMON: dict[str, Spec] = {
    "input_dim": IMAGE_CHANNELS,
    "dim": BASE_WIDTH,
    "n_downsample": Int(0, 8, size=True),
    "n_res": Int(0, 64, size=True),
    "activ": Choice(("relu", "lrelu", "prelu", "selu", "tanh", "none")),
    "pad_type": Choice(("reflect", "replicate", "zero")),
}

def _bicyclegan_levels(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """BicycleGAN's add-all U-Net always has the level around the innermost one: 6 levels at least."""
    if config.get("where_add", "all") == "all" and isinstance(config.get("num_downs"), int) and config["num_downs"] < 6:
        return "num_downs", f"is {config['num_downs']}, but a U-Net with z at every level has at least 6"
    return None


def _gigagan_channels(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """The top resolution must keep at least one channel (min(channel_base // resolution, channel_max))."""
    if config["channel_base"] // config["resolution"] < 1:
        return "channel_base", f"is {config['channel_base']}, which leaves no channels at resolution {config['resolution']}"
    return None


def _gigagan_scales(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """The smallest scale's discriminator needs an 8 px image and channels at its top resolution."""
    smallest = config["resolution"] // 2 ** (config["scales"] - 1)
    if smallest < 8:
        return "scales", f"is {config['scales']}, which halves {config['resolution']} px below 8 px"
    if config["channel_base"] // 2 ** (config["scales"] - 1) // smallest < 1:
        return "channel_base", f"is {config['channel_base']}, which leaves no channels at the smallest scale"
    return None


# Text-to-image models: a word vocabulary (one embedding row each) and a power-of-two side from 8 px.
_TEXT_ENCODER: dict[str, "Spec"] = {
    "vocabulary": Strings(max_items=20000, max_length=40),
    "word_dim": Int(1, 1024, size=True),
    "text_channels": Int(1, 2048, size=True),
    "text_dim": WIDTH,
    "max_words": Int(1, 512),
}
TEXT_IMAGE_SIDE = Int(8, 4096, power_of_two=True, size=True)
DCGAN_SIDE = Int(16, 256, power_of_two=True, size=True)  # pytorch/examples' 64 px, a block more or fewer



_IR_ENCODER: dict[str, Spec] = {
    "n_styles": Int(1, 64, size=True),  # 18 at 1024 px
    "style_dim": WIDTH,
    "input_nc": IMAGE_CHANNELS,
    "mode": Choice(("ir", "ir_se")),
    "base_width": Int(1, 512, size=True),
    "se_reduction": Int(1, 512),
    "add_latent_avg": Bool(),
}


def _se_width(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """The squeeze-excitation's narrowest layer keeps at least one channel."""
    if config.get("mode", "ir_se") == "ir_se" and config.get("base_width", 64) // config.get("se_reduction", 16) < 1:
        return "se_reduction", f"is {config.get('se_reduction')}: it leaves no channel of {config.get('base_width')}"
    return None


def _hypernet_layers(config: Mapping[str, Any]) -> tuple[str, str] | None:
    """The tuned layers exist in the generator, and the shared ones (3x3 convs up to 64 px) are channel_max wide."""
    resolution, base, widest = config.get("img_resolution", 1024), config.get("channel_base", 32768), config.get("channel_max", 512)
    count = 2 + 3 * (resolution.bit_length() - 3)
    text = config.get("layers_to_tune", "")
    layers = [int(p) for p in text.split(",")] if text.strip() else list(range(count))
    if max(layers) >= count:
        return "layers_to_tune", f"names layer {max(layers)}; a {resolution} px generator has layers 0-{count - 1}"
    shared = [i for i in (0, 2, 3, 5, 6, 8, 9, 11, 12) if i in layers]
    for index in shared:
        res = 4 if index == 0 else 4 * 2 ** ((index - 2) // 3 + 1)
        cin = min(base // (res if index == 0 or (index - 2) % 3 else res // 2), widest)
        if cin != widest or min(base // res, widest) != widest:
            return "layers_to_tune", f"tunes layer {index}, which is narrower than channel_max {widest} (shared layers must not be)"
    return None

SCHEMAS: dict[str, ConfigSchema] = {
    "spade": ConfigSchema(
        {**_SPADE_COMMON, "use_vae": Bool(), "z_dim": WIDTH},
        rules=(_latent_grid,),
    ),
    "spade_encoder": ConfigSchema({
        "ngf": BASE_WIDTH,
        "crop_size": PIXELS,
        "z_dim": WIDTH,
        "spectral_norm": Bool(),
        "norm": Choice(("instance", "batch", "syncbatch", "none")),
    }),
    "spade_discriminator": ConfigSchema({
        "semantic_nc": Int(0, 4096, size=True),
        "output_nc": IMAGE_CHANNELS,
        "ndf": BASE_WIDTH,
        "n_layers_D": Int(1, 16, size=True),
        "num_D": Int(1, 16, size=True),
        "spectral_norm": Bool(),
        "norm": Choice(("instance", "batch", "syncbatch", "none")),
        "intermediate_features": Bool(),
    }),
    "sean": ConfigSchema(
        {**_SPADE_COMMON, "num_style_classes": Int(1, 4096, optional=True, size=True), "style_dim": WIDTH},
        rules=(_sean_upsampling, _latent_grid, _sean_style_classes),
    ),
    "oasis": ConfigSchema(
        {
            "label_nc": CLASSES,
            "contain_dontcare_label": Bool(),
            "channels_G": Int(1, 256, size=True),  # 16 * channels_G channels in the first blocks
            "z_dim": WIDTH,
            "no_3dnoise": Bool(),
            "crop_size": PIXELS,
            "aspect_ratio": ASPECT,
            "param_free_norm_type": PARAM_FREE_NORMS,
            "spade_kernel_size": KERNEL,
            "spade_hidden": Int(1, 1024, size=True),
        },
        rules=(_oasis_latent_grid,),
    ),
    "oasis_discriminator": ConfigSchema({
        "label_nc": CLASSES,
        "contain_dontcare_label": Bool(),
        "channels_D": BASE_WIDTH,  # 8 * channels_D channels in the deepest blocks
        "num_res_blocks": Int(2, 6, size=True),  # the reference runs only with 6
    }),
    "stylegan2": ConfigSchema(
        {
            "z_dim": Int(1, 4096, size=True),
            "c_dim": Int(0, 4096, size=True),
            "w_dim": WIDTH,
            "img_resolution": _SG2_RESOLUTION,
            "img_channels": IMAGE_CHANNELS,
            "mapping_kwargs": Group(_SG2_MAPPING),
            "synthesis_kwargs": Group(_SG2_SYNTHESIS),
        },
        rules=(_stylegan_channels("synthesis_kwargs"),),
    ),
    "stylegan2_discriminator": ConfigSchema(
        {
            "c_dim": Int(0, 4096, size=True),
            "img_resolution": _SG2_RESOLUTION,
            "img_channels": IMAGE_CHANNELS,
            "architecture": SG2_ARCHITECTURES,
            "channel_base": Int(1, 2**24, size=True),
            "channel_max": Int(1, 4096, size=True),
            "num_fp16_res": Int(0, 16),
            "conv_clamp": CLAMP,
            "cmap_dim": Int(1, 4096, optional=True, size=True),
            "block_kwargs": Group({"activation": ACTIVATIONS, "resample_filter": Taps(), "fp16_channels_last": Bool(),
                                   "freeze_layers": Int(0, 1000)}),
            # the discriminator passes w_avg_beta=None itself
            "mapping_kwargs": Group({k: v for k, v in _SG2_MAPPING.items() if k != "w_avg_beta"}),
            "epilogue_kwargs": Group({"mbstd_group_size": Int(1, 1024, optional=True), "mbstd_num_channels": Int(0, 64),
                                      "activation": ACTIVATIONS}),
        },
        rules=(_stylegan_channels(None),),
    ),
    # an image -> W+ encoder trained for one StyleGAN2 generator (stylegan2_encoder.py)
    # pSp / e4e / HyperStyle encoders (e4e.py): IR-SE50 at widths base * (1, 2, 4, 8)
    "psp_encoder": ConfigSchema(dict(_IR_ENCODER, e4e=Bool()), rules=(_se_width,)),
    "psp_w_encoder": ConfigSchema(dict(_IR_ENCODER), rules=(_se_width,)),
    # HyperStyle's hypernetwork (hyperstyle.py) for a StyleGAN2 of the given channel rule
    "hyperstyle_hypernet": ConfigSchema({
        "img_resolution": Int(8, 16384, power_of_two=True, size=True),
        "channel_base": Int(1, 2 ** 20, size=True),
        "channel_max": WIDTH,
        "layers_to_tune": IndexList(2 + 3 * 12),
        "input_nc": IMAGE_CHANNELS,
        "base_width": Int(1, 512, size=True),
        "code_dim": WIDTH,
        "shared_inner": WIDTH,
        "inner": WIDTH,
        "separable": Bool(),
    }, rules=(_hypernet_layers,)),
    "stylegan2_encoder": ConfigSchema({
        "resolution": Int(8, 16384, power_of_two=True, size=True),
        "num_ws": Int(1, 64, size=True),  # 18 at 1024 px; a 16384 px generator has 26
        "w_dim": WIDTH,
        "img_channels": IMAGE_CHANNELS,
        "channels": Int(1, 1024, size=True),
        "channel_max": Int(1, 4096, size=True),
        "blocks": Int(0, 16, size=True),
        "head_channels": Int(1, 1024, size=True),
    }),
    "pix2pix_unet": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "output_nc": IMAGE_CHANNELS,
        "num_downs": Int(5, 14, size=True),  # unet_256 is 8; 14 halves a 16384 px side to 1
        "ngf": BASE_WIDTH,
        "norm": JUNYAN_NORMS,
        "use_dropout": Bool(),
    }),
    "cyclegan_resnet": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "output_nc": IMAGE_CHANNELS,
        "ngf": BASE_WIDTH,
        "norm": JUNYAN_NORMS,
        "use_dropout": Bool(),
        "n_blocks": Int(0, 64, size=True),  # resnet_9blocks is the largest published
        "padding_type": Choice(("reflect", "replicate", "zero")),
    }),
    "instagan_generator": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "output_nc": IMAGE_CHANNELS,
        "ngf": BASE_WIDTH,
        "norm": JUNYAN_NORMS,
        "use_dropout": Bool(),
        "n_blocks": Int(0, 64, size=True),  # --netG set builds 9 per encoder
        "padding_type": Choice(("reflect", "replicate", "zero")),
    }),
    "instagan_discriminator": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "ndf": BASE_WIDTH,
        "n_layers": Int(1, 16, size=True),
        "norm": JUNYAN_NORMS,
        "use_sigmoid": Bool(),
    }),
    "lostgan_generator": ConfigSchema({
        "size": Int(128, 256, power_of_two=True, size=True),  # the published models: 128 and 256
        "ch": Int(1, 256, size=True),  # 16 * ch channels in the first blocks; the published files use 64
        "num_classes": CLASSES,
        "z_dim": WIDTH,
        "embed_dim": WIDTH,
        "mask_hidden": WIDTH,
        "mask_head": WIDTH,
    }),
    "patchgan": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "ndf": BASE_WIDTH,
        "n_layers": Int(1, 16, size=True),
        "norm": JUNYAN_NORMS,
    }),
    "stargan": ConfigSchema({
        "conv_dim": BASE_WIDTH,  # 4 * conv_dim channels in the residual blocks
        "c_dim": Int(0, 1024, size=True),
        "repeat_num": Int(0, 64, size=True),
    }),
    "stargan_discriminator": ConfigSchema(
        {
            "image_size": PIXELS,
            "conv_dim": BASE_WIDTH,
            "c_dim": Int(0, 1024, size=True),
            "repeat_num": Int(1, 12, size=True),  # channels double per layer: 2**11 * conv_dim at most
        },
        rules=(_stargan_kernel,),
    ),
    # BicycleGAN (junyanz/BicycleGAN): z beside every level's input ("all") or the image's only
    "bicyclegan_unet": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "output_nc": IMAGE_CHANNELS,
        "nz": Int(0, 1024, size=True),
        "num_downs": Int(5, 14, size=True),
        "ngf": BASE_WIDTH,
        "norm": JUNYAN_NORMS,
        "nl": Choice(("relu", "lrelu", "elu")),
        "upsample": Choice(("basic", "bilinear")),
        "use_dropout": Bool(),
        "where_add": Choice(("all", "input")),
    }, rules=(_bicyclegan_levels,)),
    "bicyclegan_encoder": ConfigSchema({
        "input_nc": IMAGE_CHANNELS,
        "nz": Int(1, 1024, size=True),
        "nef": BASE_WIDTH,
        "n_blocks": Int(2, 11, size=True),  # 8 * 2**11 = a 16384 px side
        "norm": JUNYAN_NORMS,
        "vae_like": Bool(),
    }),
    # MUNIT / UNIT (NVlabs/MUNIT, mingyuliutw/UNIT): activ and pad_type leave the same keys (prelu aside)
    "munit": ConfigSchema({**_MUNIT_COMMON, "style_dim": Int(1, 1024, size=True), "mlp_dim": Int(1, 8192, size=True)}, rules=(_munit_widest,)),
    "unit": ConfigSchema(dict(_MUNIT_COMMON), rules=(_munit_widest,)),
    # text to image (gan_int_cls.py, text_encoder.py): the vocabulary is an argument, so the file carries it
    "gan_int_cls": ConfigSchema({**_TEXT_ENCODER, "z_dim": WIDTH, "proj_dim": WIDTH, "ngf": BASE_WIDTH, "resolution": TEXT_IMAGE_SIDE,
                                 "img_channels": IMAGE_CHANNELS}),
    "gan_int_cls_discriminator": ConfigSchema({"text_dim": WIDTH, "proj_dim": WIDTH, "ndf": BASE_WIDTH, "resolution": TEXT_IMAGE_SIDE,
                                               "img_channels": IMAGE_CHANNELS}),
    "gigagan": ConfigSchema({**_TEXT_ENCODER, "z_dim": WIDTH, "w_dim": WIDTH, "map_layers": Int(1, 16, size=True),
                             "resolution": TEXT_IMAGE_SIDE, "channel_base": Int(1, 2**24, size=True), "channel_max": Int(1, 4096, size=True),
                             "num_kernels": Int(1, 64, size=True), "attn_max_res": Int(0, 4096), "img_channels": IMAGE_CHANNELS},
                            rules=(_gigagan_channels,)),
    # DCGAN: pytorch/examples' layout at 16-256 px; ProGAN: pytorch_GAN_zoo's PGAN, one channel count per scale
    # (8 further scales: 1024 px, the paper's largest)
    "dcgan": ConfigSchema({"z_dim": WIDTH, "ngf": BASE_WIDTH, "img_channels": IMAGE_CHANNELS,
                           "img_resolution": DCGAN_SIDE, "final_bias": Bool(), "output_activation": Choice(("tanh", "none"))}),
    "dcgan_discriminator": ConfigSchema({"ndf": BASE_WIDTH, "img_channels": IMAGE_CHANNELS,
                                         "img_resolution": DCGAN_SIDE, "norm": Choice(("batch", "none")),
                                         "sigmoid": Bool()}),
    "progan": ConfigSchema({"z_dim": WIDTH, "depth_scale0": WIDTH, "depth_other_scales": IntList(WIDTH, 8, size=True),
                            "img_channels": IMAGE_CHANNELS, "equalized": Bool(), "normalization": Bool(), "alpha": Float(0.0, 1.0),
                            "output_activation": Choice(("none", "tanh"))}),
    "progan_discriminator": ConfigSchema({"depth_scale0": WIDTH, "depth_other_scales": IntList(WIDTH, 8, size=True),
                                          "img_channels": IMAGE_CHANNELS, "equalized": Bool(), "minibatch_stddev": Bool(),
                                          "decision_size": Int(1, 4096)}),
    "gigagan_discriminator": ConfigSchema({"text_dim": WIDTH, "resolution": TEXT_IMAGE_SIDE, "channel_base": Int(1, 2**24, size=True),
                                           "channel_max": Int(1, 4096, size=True), "scales": Int(1, 6, size=True),
                                           "img_channels": IMAGE_CHANNELS}, rules=(_gigagan_scales,)),
}


def validate(arch: str, config: Any, *, required: tuple[str, ...] = (), defaults: Mapping[str, Any] | None = None) -> None:
    """ConfigError naming the first bad argument of `config` for `arch` (KeyError for an unknown arch)."""
    SCHEMAS[arch].validate(config, required=required, defaults=defaults)
