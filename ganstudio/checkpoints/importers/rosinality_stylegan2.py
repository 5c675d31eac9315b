"""Import rosinality/stylegan2-pytorch checkpoints into the StyleGAN2-ADA modules.

stylegan2-pytorch is the layout most community StyleGAN2 models use: `convert_weight.py`
writes ``{"g_ema": state_dict, "latent_avg": w_avg}``, `train.py` writes ``{"g", "d",
"g_ema", "g_optim", "d_optim", "args", ...}``, and pSp / e4e / HyperStyle embed the same
generator as ``decoder.*`` beside ``latent_avg``. `containers.canonical_state_dict` hands us
the generator's tensors (``g_ema`` first) with ``latent_avg`` and the discriminator (as
``d.*``) beside them.

Both codes implement the same StyleGAN2 generator (Karras et al., 2020, config F with skip
outputs), so the conversion is a renaming plus reshapes, derived from the two published
layouts:

- both store raw weights and apply the equalised-learning-rate gains at run time
  (1/sqrt(fan_in), times lr_mul = 0.01 on weights and biases in the mapping network), so
  mapping and affine weights carry over as they are (``style.<i>`` -> ``mapping.fc<i-1>``,
  ``*.conv.modulation`` -> ``*.affine``, bias init 1 in both);
- the modulated 3x3 convs: stylegan2-pytorch multiplies the weight by 1/sqrt(fan_in) before
  modulation and demodulation, StyleGAN2-ADA does not. Demodulation divides that factor out
  again, except inside the epsilon: ours computes w*s / sqrt(sum (w*s)^2 + 1e-8) where theirs
  has 1e-8 * fan_in under the root. The weights carry over unscaled (so the parametrisation,
  and fine-tuning, stay StyleGAN2-ADA's); the outputs differ by about 1e-8 relative;
- ToRGB (no demodulation): both scale the styles by 1/sqrt(fan_in): exact;
- upsampling: a stride-2 transposed conv then the [1,3,3,1] blur padded (1, 1), and the skip
  image's 2x FIR upsampling padded (2, 1): the same as StyleGAN2-ADA's `conv2d_resample` and
  `upsample2d` (the fixtures prove it);
- noise: ``noises.noise_<k>`` [1,1,R,R] are the stored per-layer noise images
  (``noise_const``), ``noise.weight`` [1] the strength, ``activate.bias`` the conv bias
  (leaky ReLU 0.2, gain sqrt(2), no clamping: conv_clamp None);
- truncation lerps every layer's w towards an average: ``latent_avg`` from the file becomes
  ``mapping.w_avg``. Without one (train.py's files), it is estimated as stylegan2-pytorch's
  generate.py does: the mean of the mapping over 4096 z, drawn here from a seeded generator.

The discriminator (``d``) maps exactly onto the StyleGAN2-ADA resnet discriminator (the same
residual blocks, blur-then-stride-2 downsampling, minibatch std with groups of 4 and one
feature, 3x3 conv, two linear layers); it comes along as the part "discriminator" when the
hint ``include_discriminator`` is set.

What stylegan2-pytorch cannot record and shapes cannot tell: the mapping's lr_mul (0.01,
its default; hint ``mapping_lr_multiplier``) and a blur kernel other than [1,3,3,1]
(refused, checked from the stored kernels). Its SWAGAN generator (wavelet outputs) is a
different network and is not imported.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch

from ganstudio.models import stylegan2 as sg2

from ..guards import ConfigProblem, meta_network
from . import ImportMismatch, ImportResult, State
from .stylegan2 import (
    ARCH_D,
    ARCH_G,
    DEFAULT_MAPPING_LR,
    _channel_settings,
    check_against,
)

SOURCE = "rosinality/stylegan2-pytorch checkpoint"
# where the generator sits: convert_weight.py / train.py (top level), pSp / e4e / HyperStyle (decoder.)
GENERATOR_PREFIXES = ("", "decoder.")
DISCRIMINATOR_PREFIX = "d."
LATENT_AVG = "latent_avg"
BLUR_TAPS = [1, 3, 3, 1]
# stylegan2-pytorch's generate.py: mean_latent(4096) when no average latent is stored
MEAN_LATENT_SAMPLES = 4096
MEAN_LATENT_SEED = 0
# The largest image the StyleGAN2 schema allows: block counts are checked against it before
# any table of expected keys is built, so a file of many tiny tensors cannot ask for 2**50000.
MAX_SIZE = 16384


def detect(state: State, hints: Mapping[str, Any]) -> ImportResult | None:
    prefix = next((p for p in GENERATOR_PREFIXES if f"{p}style.1.weight" in state and f"{p}input.input" in state), None)
    if prefix is None:
        return None
    network = hints.get("network")
    if network not in (None, "G_ema"):
        raise ImportMismatch(f"hint network={network!r}: a stylegan2-pytorch file is imported from its g_ema "
                             "(its discriminator comes along with include_discriminator=True)")
    generator = {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}
    if not prefix:  # what else sits at the top level is ours to account for
        generator = {k: v for k, v in generator.items() if k != LATENT_AVG and not k.startswith(DISCRIMINATOR_PREFIX)}
    result = import_generator(generator, state.get(LATENT_AVG), hints)
    if prefix:
        result.meta["provenance"]["layout"] = f"generator under {prefix!r} (pSp / e4e style)"
    if hints.get("include_discriminator"):
        discriminator = {k[len(DISCRIMINATOR_PREFIX):]: v for k, v in state.items() if k.startswith(DISCRIMINATOR_PREFIX)}
        if not discriminator:
            raise ImportMismatch("include_discriminator: this stylegan2-pytorch file holds no discriminator (d)")
        result.parts["discriminator"] = import_discriminator(discriminator)
    return result


# ----------------------------------------------------------------------------- generator


def _shape(state: State, key: str, what: str) -> tuple[int, ...]:
    if key not in state:
        raise ImportMismatch(f"{what}: missing {key}")
    return tuple(int(s) for s in state[key].shape)


def _indices(state: State, pattern: str) -> list[int]:
    regex = re.compile(pattern)
    return sorted({int(m.group(1)) for key in state if (m := regex.match(key))})


def _size(blocks: int, what: str) -> int:
    """4 * 2**blocks, refused beyond MAX_SIZE."""
    if blocks > MAX_SIZE.bit_length() - 3:
        raise ImportMismatch(f"{what}: {blocks} upsampling blocks would make images larger than {MAX_SIZE}x{MAX_SIZE}")
    return 4 * 2 ** blocks


def _consecutive(found: list[int], first: int, what: str) -> int:
    """How many of first, first + 1, ... `found` holds, refusing gaps."""
    if found != list(range(first, first + len(found))):
        raise ImportMismatch(f"{what} are numbered {found[:12]}, not {first}, {first + 1}, ... without gaps")
    return len(found)


def generator_shapes(size: int, style_dim: int, n_mlp: int, channels: Mapping[int, int]) -> dict[str, tuple[int, ...]]:
    """Key -> shape of a stylegan2-pytorch Generator's state dict (its channel table given per resolution)."""
    shapes: dict[str, tuple[int, ...]] = {}
    for i in range(1, n_mlp + 1):
        shapes[f"style.{i}.weight"] = (style_dim, style_dim)
        shapes[f"style.{i}.bias"] = (style_dim,)

    def styled(name: str, cin: int, cout: int, up: bool) -> None:
        shapes[f"{name}.conv.weight"] = (1, cout, cin, 3, 3)
        shapes[f"{name}.conv.modulation.weight"] = (cin, style_dim)
        shapes[f"{name}.conv.modulation.bias"] = (cin,)
        if up:
            shapes[f"{name}.conv.blur.kernel"] = (len(BLUR_TAPS), len(BLUR_TAPS))
        shapes[f"{name}.noise.weight"] = (1,)
        shapes[f"{name}.activate.bias"] = (cout,)

    def to_rgb(name: str, cin: int, up: bool) -> None:
        if up:
            shapes[f"{name}.upsample.kernel"] = (len(BLUR_TAPS), len(BLUR_TAPS))
        shapes[f"{name}.conv.weight"] = (1, 3, cin, 1, 1)
        shapes[f"{name}.conv.modulation.weight"] = (cin, style_dim)
        shapes[f"{name}.conv.modulation.bias"] = (cin,)
        shapes[f"{name}.bias"] = (1, 3, 1, 1)

    shapes["input.input"] = (1, channels[4], 4, 4)
    styled("conv1", channels[4], channels[4], up=False)
    to_rgb("to_rgb1", channels[4], up=False)
    resolutions = _block_resolutions(size)
    for k, res in enumerate(resolutions):
        styled(f"convs.{2 * k}", channels[res // 2], channels[res], up=True)
        styled(f"convs.{2 * k + 1}", channels[res], channels[res], up=False)
        to_rgb(f"to_rgbs.{k}", channels[res], up=True)
    shapes["noises.noise_0"] = (1, 1, 4, 4)
    for k, res in enumerate(resolutions):
        shapes[f"noises.noise_{2 * k + 1}"] = shapes[f"noises.noise_{2 * k + 2}"] = (1, 1, res, res)
    return shapes


def _block_resolutions(size: int) -> list[int]:
    """The resolutions after 4x4: 8, 16, ..., size."""
    return [2 ** i for i in range(3, size.bit_length())]


def _compare(what: str, expected: Mapping[str, tuple[int, ...]], state: State) -> None:
    """ImportMismatch naming the file's keys that are missing, unexpected or of the wrong shape."""
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [f"{k} is {tuple(state[k].shape)}, expected {shape}" for k, shape in expected.items()
             if k in state and tuple(state[k].shape) != shape]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected (e.g. {', '.join(k[:60] for k in unexpected[:3])})")
    if wrong:
        problems.append("; ".join(wrong[:4]) + (f" (+{len(wrong) - 4} more)" if len(wrong) > 4 else ""))
    if problems:
        raise ImportMismatch(f"{what}: the weights do not fit the layout their shapes suggest: " + "; ".join(problems))


def _check_blur(state: State, keys: list[str], gain: float, what: str) -> None:
    """The stored blur kernels must be the [1,3,3,1] filter (times `gain`): the only one this conversion proves."""
    want = sg2.setup_filter(BLUR_TAPS) * gain
    for key in keys:
        if key in state and not torch.allclose(state[key].float(), want, rtol=1e-5, atol=1e-6):
            raise ImportMismatch(f"{what}: {key} is not the [1,3,3,1] blur kernel; only that one converts exactly")


def import_generator(state: State, latent_avg: torch.Tensor | None, hints: Mapping[str, Any]) -> ImportResult:
    """A stylegan2-pytorch Generator state dict (and its average latent) as a StyleGAN2-ADA generator."""
    what = "stylegan2-pytorch generator"
    style_dim = _shape(state, "style.1.weight", what)[1]
    n_mlp = _consecutive(_indices(state, r"style\.(\d+)\.weight$"), 1, f"{what}: mapping layers style.<i>")
    n_convs = _consecutive(_indices(state, r"convs\.(\d+)\.conv\.weight$"), 0, f"{what}: convs.<i>")
    if n_convs % 2:
        raise ImportMismatch(f"{what}: {n_convs} convs.<i>, not two per resolution")
    if any(key.endswith(("dwt.ll", "iwt.ll")) or ".iwt." in key for key in state):
        raise ImportMismatch(f"{what}: a SWAGAN generator (wavelet outputs), not a StyleGAN2 one")
    size = _size(n_convs // 2, what)
    channels = {4: _shape(state, "input.input", what)[1]}
    for k, res in enumerate(_block_resolutions(size)):
        channels[res] = _shape(state, f"convs.{2 * k}.conv.weight", what)[1]
    _compare(what, generator_shapes(size, style_dim, n_mlp, channels), state)
    resolutions = _block_resolutions(size)
    _check_blur(state, [f"convs.{2 * k}.conv.blur.kernel" for k in range(len(resolutions))], 4.0, what)
    _check_blur(state, [f"to_rgbs.{k}.upsample.kernel" for k in range(len(resolutions))], 4.0, what)

    channel_base, channel_max = _channel_settings(channels, what)
    lr_multiplier = hints.get("mapping_lr_multiplier") or DEFAULT_MAPPING_LR
    config = dict(z_dim=style_dim, c_dim=0, w_dim=style_dim, img_resolution=size, img_channels=3,
                  mapping_kwargs=dict(num_layers=n_mlp, lr_multiplier=lr_multiplier),
                  synthesis_kwargs=dict(channel_base=channel_base, channel_max=channel_max, num_fp16_res=0,
                                        conv_clamp=None, architecture="skip"))
    converted = convert_generator(state, size, n_mlp)
    converted["mapping.w_avg"] = _average_latent(latent_avg, style_dim) if latent_avg is not None else torch.zeros(style_dim)
    _complete_and_check(ARCH_G, config, converted, what)
    if latent_avg is not None:
        w_avg_source = "latent_avg of the file"
    else:  # only now, with the configuration checked, is running the mapping bounded
        converted["mapping.w_avg"] = estimate_w_avg(converted, config)
        w_avg_source = f"estimated: mean of the mapping over {MEAN_LATENT_SAMPLES} z (seed {MEAN_LATENT_SEED}), as generate.py does"
    reference = dict(size=size, style_dim=style_dim, n_mlp=n_mlp, channel_multiplier=channel_multiplier(channels))
    provenance = {"source": SOURCE, "reference_config": reference, "w_avg": w_avg_source}
    return ImportResult(arch=ARCH_G, config=config, state=converted, meta={"resolution": size, "provenance": provenance})


def channel_multiplier(channels: Mapping[int, int]) -> int | None:
    """stylegan2-pytorch's channels are 512 up to 32x32, then 256 * multiplier at 64x64: None below 64x64."""
    if 64 not in channels or (2 * channels[64]) % channels[4]:
        return None
    return 2 * channels[64] // channels[4]


def _f32(value: torch.Tensor) -> torch.Tensor:
    return value.float() if value.dtype != torch.float32 else value


def convert_generator(state: State, size: int, n_mlp: int) -> dict[str, torch.Tensor]:
    """Rename and reshape: stylegan2-pytorch Generator -> StyleGAN2-ADA Generator (skip architecture)."""
    out: dict[str, torch.Tensor] = {}
    for i in range(1, n_mlp + 1):
        out[f"mapping.fc{i - 1}.weight"] = _f32(state[f"style.{i}.weight"])
        out[f"mapping.fc{i - 1}.bias"] = _f32(state[f"style.{i}.bias"])

    def layer(source: str, target: str, noise: str) -> None:
        out[f"{target}.weight"] = _f32(state[f"{source}.conv.weight"]).squeeze(0)
        out[f"{target}.affine.weight"] = _f32(state[f"{source}.conv.modulation.weight"])
        out[f"{target}.affine.bias"] = _f32(state[f"{source}.conv.modulation.bias"])
        out[f"{target}.noise_strength"] = _f32(state[f"{source}.noise.weight"]).reshape(())
        out[f"{target}.noise_const"] = _f32(state[noise])[0, 0]
        out[f"{target}.bias"] = _f32(state[f"{source}.activate.bias"])

    def torgb(source: str, target: str) -> None:
        out[f"{target}.weight"] = _f32(state[f"{source}.conv.weight"]).squeeze(0)
        out[f"{target}.affine.weight"] = _f32(state[f"{source}.conv.modulation.weight"])
        out[f"{target}.affine.bias"] = _f32(state[f"{source}.conv.modulation.bias"])
        out[f"{target}.bias"] = _f32(state[f"{source}.bias"]).reshape(-1)

    out["synthesis.b4.const"] = _f32(state["input.input"])[0]
    layer("conv1", "synthesis.b4.conv1", "noises.noise_0")
    torgb("to_rgb1", "synthesis.b4.torgb")
    for k, res in enumerate(_block_resolutions(size)):
        layer(f"convs.{2 * k}", f"synthesis.b{res}.conv0", f"noises.noise_{2 * k + 1}")
        layer(f"convs.{2 * k + 1}", f"synthesis.b{res}.conv1", f"noises.noise_{2 * k + 2}")
        torgb(f"to_rgbs.{k}", f"synthesis.b{res}.torgb")
    return {key: value.contiguous() for key, value in out.items()}


def _average_latent(latent_avg: Any, w_dim: int) -> torch.Tensor:
    """latent_avg as [w_dim]: convert_weight.py stores [w_dim]; pSp / e4e one row per layer, all equal."""
    if not isinstance(latent_avg, torch.Tensor) or not latent_avg.is_floating_point():
        raise ImportMismatch("latent_avg is not a floating-point tensor")
    if latent_avg.ndim not in (1, 2) or latent_avg.shape[-1] != w_dim or latent_avg.numel() == 0:
        raise ImportMismatch(f"latent_avg is {tuple(latent_avg.shape)}; the generator's w has {w_dim} values")
    rows = _f32(latent_avg).reshape(-1, w_dim)
    if not torch.equal(rows, rows[:1].expand_as(rows)):
        raise ImportMismatch(f"latent_avg holds {rows.shape[0]} different per-layer averages; "
                             "truncation here uses one average for every layer")
    return rows[0].clone()


@torch.no_grad()
def estimate_w_avg(converted: Mapping[str, torch.Tensor], config: Mapping[str, Any]) -> torch.Tensor:
    """The mean of the mapping over seeded random z: what generate.py computes when a file stores no average."""
    mapping_kwargs = dict(config["mapping_kwargs"])
    mapping = sg2.MappingNetwork(z_dim=config["z_dim"], c_dim=0, w_dim=config["w_dim"], num_ws=None,
                                 w_avg_beta=None, **mapping_kwargs)
    weights = {key[len("mapping."):]: value for key, value in converted.items()
               if key.startswith("mapping.fc")}
    mapping.load_state_dict(weights, strict=True)
    z = torch.randn(MEAN_LATENT_SAMPLES, config["z_dim"], generator=torch.Generator().manual_seed(MEAN_LATENT_SEED))
    return mapping(z, None).mean(dim=0)


def _complete_and_check(arch: str, config: Mapping[str, Any], converted: dict[str, torch.Tensor], what: str) -> None:
    """Add StyleGAN2-ADA's resample_filter buffers (stylegan2-pytorch keeps its [1,3,3,1] kernels per layer
    instead), then ImportMismatch unless `config` passes its schema and describes exactly `converted`."""
    try:
        keys = meta_network(arch, dict(config)).state_dict()  # shapes only: no memory, no random init
    except ConfigProblem as exc:
        raise ImportMismatch(f"{what}: {exc}") from exc
    taps = sg2.setup_filter(BLUR_TAPS)
    converted.update({key: taps.clone() for key in keys if key.endswith("resample_filter")})
    check_against(arch, dict(config), converted, what)


# ----------------------------------------------------------------------------- discriminator


def discriminator_shapes(size: int, channels: Mapping[int, int]) -> dict[str, tuple[int, ...]]:
    """Key -> shape of a stylegan2-pytorch Discriminator's state dict."""
    kernel = (len(BLUR_TAPS), len(BLUR_TAPS))
    shapes: dict[str, tuple[int, ...]] = {"convs.0.0.weight": (channels[size], 3, 1, 1), "convs.0.1.bias": (channels[size],)}
    for j, res in enumerate(reversed(_block_resolutions(size)), start=1):
        cin, cout = channels[res], channels[res // 2]
        shapes.update({
            f"convs.{j}.conv1.0.weight": (cin, cin, 3, 3), f"convs.{j}.conv1.1.bias": (cin,),
            f"convs.{j}.conv2.0.kernel": kernel, f"convs.{j}.conv2.1.weight": (cout, cin, 3, 3), f"convs.{j}.conv2.2.bias": (cout,),
            f"convs.{j}.skip.0.kernel": kernel, f"convs.{j}.skip.1.weight": (cout, cin, 1, 1),
        })
    c4 = channels[4]
    shapes.update({"final_conv.0.weight": (c4, c4 + 1, 3, 3), "final_conv.1.bias": (c4,),
                   "final_linear.0.weight": (c4, c4 * 16), "final_linear.0.bias": (c4,),
                   "final_linear.1.weight": (1, c4), "final_linear.1.bias": (1,)})
    return shapes


def import_discriminator(state: State) -> ImportResult:
    """A stylegan2-pytorch Discriminator state dict as a StyleGAN2-ADA resnet discriminator."""
    what = "stylegan2-pytorch discriminator"
    n_blocks = _consecutive(_indices(state, r"convs\.(\d+)\.conv1\.0\.weight$"), 1, f"{what}: residual blocks convs.<i>")
    size = _size(n_blocks, what)
    channels = {size: _shape(state, "convs.0.0.weight", what)[0], 4: _shape(state, "final_conv.0.weight", what)[0]}
    for j, res in enumerate(reversed(_block_resolutions(size)), start=1):
        channels[res // 2] = _shape(state, f"convs.{j}.conv2.1.weight", what)[0]
    _compare(what, discriminator_shapes(size, channels), state)
    blocks = list(range(1, n_blocks + 1))
    _check_blur(state, [f"convs.{j}.{name}.0.kernel" for j in blocks for name in ("conv2", "skip")], 1.0, what)

    channel_base, channel_max = _channel_settings(channels, what)
    config = dict(c_dim=0, img_resolution=size, img_channels=3, architecture="resnet", channel_base=channel_base,
                  channel_max=channel_max, num_fp16_res=0, conv_clamp=None, cmap_dim=None, block_kwargs={},
                  mapping_kwargs={}, epilogue_kwargs=dict(mbstd_group_size=4, mbstd_num_channels=1))
    out: dict[str, torch.Tensor] = {f"b{size}.fromrgb.weight": _f32(state["convs.0.0.weight"]),
                                    f"b{size}.fromrgb.bias": _f32(state["convs.0.1.bias"])}
    for j, res in enumerate(reversed(_block_resolutions(size)), start=1):
        out[f"b{res}.conv0.weight"] = _f32(state[f"convs.{j}.conv1.0.weight"])
        out[f"b{res}.conv0.bias"] = _f32(state[f"convs.{j}.conv1.1.bias"])
        out[f"b{res}.conv1.weight"] = _f32(state[f"convs.{j}.conv2.1.weight"])
        out[f"b{res}.conv1.bias"] = _f32(state[f"convs.{j}.conv2.2.bias"])
        out[f"b{res}.skip.weight"] = _f32(state[f"convs.{j}.skip.1.weight"])
    for source, target in (("final_conv.0.weight", "b4.conv.weight"), ("final_conv.1.bias", "b4.conv.bias"),
                           ("final_linear.0.weight", "b4.fc.weight"), ("final_linear.0.bias", "b4.fc.bias"),
                           ("final_linear.1.weight", "b4.out.weight"), ("final_linear.1.bias", "b4.out.bias")):
        out[target] = _f32(state[source])
    _complete_and_check(ARCH_D, config, out, what)
    provenance = {"source": SOURCE, "reference_config": dict(size=size, channel_multiplier=channel_multiplier(channels))}
    return ImportResult(arch=ARCH_D, config=config, state=out, meta={"resolution": size, "provenance": provenance})
