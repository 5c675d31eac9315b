"""Import sangwoomo/instagan ``<epoch>_net_G_A.pth`` / ``G_B.pth`` (ResnetSetGenerator) and
``net_D_A.pth`` / ``D_B.pth`` (NLayerSetDiscriminator) files.

The generator's two encoders are laid out like CycleGAN's ResNet front half (pad, conv7, norm, ReLU,
two stride-2 stages, residual blocks from index 10), so their reading is shared with the CycleGAN
importer; the decoders' 7x7 output convs sit at index 7. Old files carry stale InstanceNorm buffers,
dropped as for CycleGAN. The discriminator's convs are wrapped in the reference's own spectral norm
(``<conv>.module.weight_bar/_u/_v``).
"""
from __future__ import annotations

from typing import Any, Mapping

from . import ImportMismatch, ImportResult, State
from .cyclegan import _block_count, _block_layout
from .junyanz_common import check_against, clean_norm_buffers, norm_at, shape, wants

GENERATOR = "instagan_generator"
DISCRIMINATOR = "instagan_discriminator"

# Published checkpoints (``--epoch 200``) and the test size each was trained at: (height, width).
PRESETS: dict[str, dict[str, Any]] = {
    "shp2gir_coco_instagan": {"size": (200, 200), "domains": ("sheep", "giraffe")},
    "pants2skirt_mhp_instagan": {"size": (240, 160), "domains": ("pants", "skirt")},
}
DEFAULT_SIZE = (200, 200)


def _as_cyclegan(state: State, prefix: str) -> dict[str, Any]:
    """The keys under `prefix` renamed to CycleGAN's ``model.`` so its layout readers apply."""
    return {"model." + key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def _meta(hints: Mapping[str, Any]) -> dict[str, Any]:
    name = str(hints.get("preset", ""))
    preset = PRESETS.get(name)
    size = preset["size"] if preset else DEFAULT_SIZE
    meta: dict[str, Any] = {"size": list(size), "resolution": max(size), "ins_per": 2, "ins_max": 20}
    if preset:  # the domains' names for the direction menu (sheep → giraffe), which the weights never hold
        meta["provenance"] = {"preset": name, "domains": {"A": preset["domains"][0], "B": preset["domains"][1]}}
    return meta


def _generator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    first = shape(state, "encoder_img.1.weight", 4)
    seg_first = shape(state, "encoder_seg.1.weight", 4)
    if seg_first[1] != 1 or seg_first[0] != first[0]:
        raise ImportMismatch(f"encoder_seg.1.weight has shape {seg_first}, expected ({first[0]}, 1, 7, 7)")
    ngf, input_nc = first[0], first[1]
    norm = norm_at(state, "encoder_img.2", "encoder_img.1")
    encoder = _as_cyclegan(state, "encoder_img.")
    n_blocks = _block_count(encoder)
    padding, use_dropout = _block_layout(encoder, n_blocks)
    if padding == "reflect" and hints.get("padding_type") in ("reflect", "replicate"):
        padding = hints["padding_type"]  # the two leave the same keys
    output_nc = shape(state, "decoder_img.7.weight", 4)[0]
    cleaned, dropped = clean_norm_buffers(state, norm)
    config = dict(input_nc=int(input_nc), output_nc=int(output_nc), ngf=int(ngf), norm=norm, use_dropout=use_dropout,
                  n_blocks=n_blocks, padding_type=padding)
    check_against(GENERATOR, config, cleaned, "InstaGAN set generator")
    meta = _meta(hints)
    if dropped:
        meta["dropped_keys"] = dropped
    return ImportResult(arch=GENERATOR, config=config, state=cleaned, meta=meta)


def _discriminator(state: State, hints: Mapping[str, Any]) -> ImportResult:
    ndf, input_nc = shape(state, "feature_img.0.module.weight_bar", 4)[:2]
    n_layers = 1
    while f"feature_img.{3 * n_layers - 1}.module.weight_bar" in state:
        n_layers += 1
    if n_layers > 1:
        norm = norm_at(state, "feature_img.3", "feature_img.2.module")
    else:
        norm = norm_at(state, "classifier.1", "classifier.0.module")
        if norm == "none":
            norm = "instance"  # the classifier's conv is always biased: a norm-free slot reads as instance
    cleaned, dropped = clean_norm_buffers(state, norm)
    config = dict(input_nc=int(input_nc), ndf=int(ndf), n_layers=n_layers, norm=norm, use_sigmoid=False)
    check_against(DISCRIMINATOR, config, cleaned, "InstaGAN set discriminator")
    meta: dict[str, Any] = {"resolution": max(_meta(hints)["size"])}
    if dropped:
        meta["dropped_keys"] = dropped
    return ImportResult(arch=DISCRIMINATOR, config=config, state=cleaned, meta=meta)


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    if "encoder_seg.1.weight" in state and "encoder_img.1.weight" in state and wants(hints, GENERATOR):
        return _generator(state, hints)
    if "feature_seg.0.module.weight_bar" in state and wants(hints, DISCRIMINATOR):
        return _discriminator(state, hints)
    return None
