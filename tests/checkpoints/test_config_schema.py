"""The per-architecture config schema: complete, accepting every real configuration, naming what it refuses."""
from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import pytest
from safetensors import safe_open

from ganstudio.models import stylegan2
from ganstudio.models.config_schema import ACTIVATIONS, SCHEMAS, ConfigError, Group
from ganstudio.models.registry import ARCHITECTURES, build, build_on_meta, check_config, model_class
from hostile_files import tiny_networks

BUNDLED = Path(__file__).resolve().parents[2] / "resources" / "models"


def test_every_architecture_has_a_schema_of_exactly_its_constructor_arguments() -> None:
    assert set(SCHEMAS) == set(ARCHITECTURES)
    for arch, schema in SCHEMAS.items():
        parameters = {name for name, p in inspect.signature(model_class(arch)).parameters.items()
                      if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        assert set(schema.args) == parameters, arch


def test_stylegan2_groups_match_what_the_networks_take() -> None:
    generator = SCHEMAS["stylegan2"].args
    assert isinstance(generator["mapping_kwargs"], Group) and isinstance(generator["synthesis_kwargs"], Group)
    assert set(generator["mapping_kwargs"].args) == stylegan2.MAPPING_KWARGS
    assert set(generator["synthesis_kwargs"].args) == stylegan2.SYNTHESIS_KWARGS
    assert set(ACTIVATIONS.options) == set(stylegan2._ACTIVATIONS)


def test_tiny_and_bundled_configurations_pass() -> None:
    for arch, module in tiny_networks().items():
        check_config(arch, module.config)
    for path in sorted(BUNDLED.glob("*.safetensors")):
        with safe_open(str(path), "pt") as handle:
            header = json.loads(handle.metadata()["ganstudio"])
        check_config(header["arch"], header["config"])
        for part in header.get("parts", {}).values():
            check_config(part["arch"], part["config"])


def test_meta_build_has_the_shapes_and_dtypes_of_the_real_one() -> None:
    for arch, module in tiny_networks().items():
        meta = build_on_meta(arch, module.config).state_dict()
        real = build(arch, module.config).state_dict()
        assert {k: (tuple(v.shape), v.dtype) for k, v in meta.items()} == {k: (tuple(v.shape), v.dtype) for k, v in real.items()}
        # only a few given values stay real (filter taps, batch-norm counters)
        assert all(v.is_meta or v.numel() <= 256 for v in meta.values()), arch


@pytest.mark.parametrize("arch,config,argument,says", [
    ("stargan", {"conv_dim": 1024}, "conv_dim", "largest supported value 512"),
    ("stargan", {"repeat_num": 10**7}, "repeat_num", "largest"),
    ("stargan", {"c_dim": -1}, "c_dim", "smallest"),
    ("cyclegan_resnet", {"n_blocks": "9"}, "n_blocks", "whole number"),
    ("cyclegan_resnet", {"use_dropout": 0}, "use_dropout", "true or false"),
    ("cyclegan_resnet", {"padding_type": "mirror"}, "padding_type", "one of"),
    ("spade", {"label_nc": 3, "aspect_ratio": math.nan}, "aspect_ratio", "finite"),
    ("spade", {"label_nc": 3, "crop_size": 16}, "crop_size", "too small"),
    ("spade", {"ngf": 4}, "label_nc", "missing"),
    ("sean", {"label_nc": 3, "num_upsampling_layers": "most"}, "num_upsampling_layers", "SEAN"),
    ("sean", {"label_nc": 5, "num_style_classes": 2}, "num_style_classes", "fewer"),
    ("stylegan2", {"z_dim": 4, "c_dim": 0, "w_dim": 4, "img_resolution": 2**20, "img_channels": 3}, "img_resolution", "largest"),
    ("stylegan2", {"z_dim": 4, "c_dim": 0, "w_dim": 4, "img_resolution": 64, "img_channels": 3,
                   "mapping_kwargs": {"num_layers": 10**6}}, "mapping_kwargs.num_layers", "largest"),
    ("stylegan2", {"z_dim": 4, "c_dim": 0, "w_dim": 4, "img_resolution": 64, "img_channels": 3,
                   "synthesis_kwargs": {"channel_base": 32}}, "synthesis_kwargs.channel_base", "no channels"),
    ("stylegan2_discriminator", {"c_dim": 0, "img_resolution": 32, "img_channels": 3,
                                 "mapping_kwargs": {"w_avg_beta": 0.9}}, "mapping_kwargs.w_avg_beta", "not an argument"),
    ("stargan_discriminator", {"image_size": 16, "repeat_num": 6}, "image_size", "smaller than 2**repeat_num"),
    ("patchgan", {"ndf": 10**6}, "ndf", "largest"),
])
def test_refusals_name_the_argument(arch: str, config: dict, argument: str, says: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_config(arch, config)
    assert info.value.argument == argument and says in str(info.value), str(info.value)


def test_a_value_too_long_to_print_is_still_named() -> None:
    with pytest.raises(ConfigError, match=r"conv_dim is a \d+-bit number"):
        check_config("stargan", {"conv_dim": 10**5000})


def test_absurd_configs_build_on_meta_in_no_time_and_no_memory() -> None:
    # every argument in range, together some 5 G weights: free on the meta device
    module = build_on_meta("stargan", {"conv_dim": 512, "repeat_num": 64})
    assert sum(p.numel() for p in module.parameters()) > 4e9
    assert all(p.is_meta for p in module.parameters())
