"""The load hints callers may pass to `load_model`, each checked like the constructor argument it becomes.

A hint that ends up in a network's configuration uses that argument's own spec
from `config_schema.SCHEMAS`, so a hint can ask for no more than a file could.
"""
from __future__ import annotations

from typing import Any, Mapping

from ganstudio.models.config_schema import SCHEMAS, Bool, Choice, ConfigError, Int, Spec, Strings, show
from ganstudio.models.registry import ARCHITECTURES

from .presets import PRESETS, get_preset
from .translation_presets import TRANSLATION_PRESETS, get_translation_preset


class HintError(ValueError):
    """A load hint is unknown, of the wrong type or out of range; the message names it."""


class PresetName:
    """A dataset preset's name or alias (see `presets.get_preset`)."""

    def check(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or len(value) > 64:
            raise ConfigError(name, f"must be a preset name, not {show(value)}")
        try:
            get_preset(value)
        except KeyError:
            from .importers.bicyclegan import PRESETS as BICYCLEGAN_PRESETS, find_preset
            from .importers.instagan import PRESETS as INSTAGAN_PRESETS
            from .importers.lostgan import MAX_OBJECTS as LOSTGAN_PRESETS

            own = {*INSTAGAN_PRESETS, *LOSTGAN_PRESETS}  # shp2gir_coco_instagan, ...; LostGAN's coco / vg
            # MUNIT / UNIT / BicycleGAN: edges2shoes, ...
            if value not in own and get_translation_preset(value) is None and find_preset(value) is None:
                known = ", ".join(sorted({*PRESETS, *TRANSLATION_PRESETS, *BICYCLEGAN_PRESETS, *own}))
                raise ConfigError(name, f"is {show(value)}, not a known preset ({known})") from None


def _arg(arch: str, name: str, group: str | None = None) -> Spec:
    spec = SCHEMAS[arch].args[group] if group else SCHEMAS[arch].args[name]
    return spec.args[name] if group else spec  # type: ignore[union-attr]


HINTS: dict[str, Spec | PresetName] = {
    "arch": Choice(tuple(ARCHITECTURES)),
    # SPADE / SEAN: what weights cannot tell
    "preset": PresetName(),
    "crop_size": _arg("spade", "crop_size"),
    "aspect_ratio": _arg("spade", "aspect_ratio"),
    "num_upsampling_layers": _arg("spade", "num_upsampling_layers"),
    "label_nc": _arg("spade", "label_nc"),
    "contain_dontcare_label": _arg("spade", "contain_dontcare_label"),
    "no_instance": _arg("spade", "no_instance"),
    "output_nc": _arg("spade_discriminator", "output_nc"),
    # pix2pix / CycleGAN
    "use_dropout": _arg("pix2pix_unet", "use_dropout"),
    "padding_type": _arg("cyclegan_resnet", "padding_type"),
    # MUNIT / UNIT: the activation leaves no weights (PReLU aside); padding_type above is their pad_type too
    "activ": _arg("munit", "activ"),
    # BicycleGAN: the generator's up-path non-linearity leaves no weights
    "nl": _arg("bicyclegan_unet", "nl"),
    # StarGAN
    "image_size": _arg("stargan_discriminator", "image_size"),
    "attributes": Strings(),
    # StyleGAN2-ADA
    "network": Choice(("G_ema", "G", "D")),
    "include_discriminator": Bool(),
    "conv_clamp": _arg("stylegan2_discriminator", "conv_clamp"),
    "mapping_lr_multiplier": _arg("stylegan2", "lr_multiplier", "mapping_kwargs"),
    "mbstd_group_size": _arg("stylegan2_discriminator", "mbstd_group_size", "epilogue_kwargs"),
    # pSp / e4e (read from the file's opts when it has them): which encoder its weights are
    "encoder_type": Choice(("GradualStyleEncoder", "Encoder4Editing", "BackboneEncoderUsingLastLayerIntoW",
                            "SingleStyleCodeEncoder", "WEncoder")),
    "start_from_latent_avg": Bool(),
    # ProGAN (read from a pytorch_GAN_zoo file's config when it has one): the fade-in blend of the last two scales
    "alpha": _arg("progan", "alpha"),
    # pytorch_GAN_zoo (PGAN, DCGAN): the loss its file was trained with; MSE and DCGAN end the generator in tanh
    "loss_criterion": Choice(("MSE", "WGANGP", "Logistic", "DCGAN")),
    # any family: the image size recorded in the metadata
    "resolution": Int(1, 16384),
}


def check_hints(hints: Mapping[str, Any]) -> None:
    """HintError naming the first unknown or unusable hint. None values mean 'not given'."""
    for name, value in hints.items():
        if name not in HINTS:
            raise HintError(f"unknown load hint {show(name)}; known: {', '.join(sorted(HINTS))}")
        if value is None:
            continue
        try:
            HINTS[name].check(name, value)
        except ConfigError as exc:
            raise HintError(f"load hint {exc}") from None
