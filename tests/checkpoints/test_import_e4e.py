"""pSp / e4e / HyperStyle files (their official layout) load as a StyleGAN2 with its encoder or hypernetwork.

Fixtures: tests/fixtures/e4e, written by the reference code (tests/fixtures/README.md). Each
container is {"state_dict": {"encoder.*" | "hypernet.*", "decoder.*"}, "opts": a plain dict,
"latent_avg": [n_styles, w_dim]} as the reference's training scripts save it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from e4e_fixtures import ENCODER_CASES, HYPERSTYLE_CASES, TOLERANCE, checkpoint, fixture_io, photo, reference_object, rel_err
from load_failures import ShellPayload

from ganstudio.checkpoints import CheckpointError, load_model, save_model


def write(tmp_path: Path, name: str, container: Any) -> Path:
    path = tmp_path / f"{name}.pt"
    torch.save(container, path)
    return path


@pytest.mark.parametrize("case", ENCODER_CASES)
def test_encoder_files_load_and_agree_with_the_reference(case: str, tmp_path: Path) -> None:
    io_data = fixture_io(case)
    loaded = load_model(checkpoint(tmp_path, case))
    assert loaded.arch == "stylegan2" and set(loaded.parts) == {"encoder"}
    assert {"latent_space", "photo_encoder"} <= loaded.capabilities and "weight_refinement" not in loaded.capabilities
    encoder = loaded.parts["encoder"]
    assert encoder.arch == "psp_encoder"
    assert encoder.config["e4e"] == (io_data["opts"]["encoder_type"] == "Encoder4Editing")
    assert encoder.config | {"e4e": None} == dict(n_styles=10, style_dim=16, input_nc=3, mode="ir_se", base_width=8,
                                                 se_reduction=4, add_latent_avg=True, e4e=None)
    assert loaded.meta["provenance"]["encoder"]["encoder_type_from"] == "opts"
    with torch.no_grad():
        codes = encoder.module(photo(io_data))
        images = loaded.module.synthesis(codes, noise_mode="const")  # randomize_noise=False: the stored noise
    assert rel_err(codes, io_data["codes"]) <= TOLERANCE
    assert rel_err(images, io_data["images"]) <= TOLERANCE


def test_latent_avg_becomes_the_encoders_buffer_and_the_truncation_average(tmp_path: Path) -> None:
    container = reference_object("e4e_64")
    loaded = load_model(checkpoint(tmp_path, "e4e_64"))
    assert torch.equal(loaded.parts["encoder"].module.latent_avg, container["latent_avg"])
    assert torch.equal(loaded.module.mapping.w_avg, container["latent_avg"][0])


def test_opts_decide_pSp_or_e4e_and_hints_win(tmp_path: Path) -> None:
    container = reference_object("e4e_64")
    container["opts"]["encoder_type"] = "GradualStyleEncoder"
    as_psp = load_model(write(tmp_path, "as_psp", container))
    assert as_psp.parts["encoder"].config["e4e"] is False
    overridden = load_model(write(tmp_path, "as_psp", container), encoder_type="Encoder4Editing")
    assert overridden.parts["encoder"].config["e4e"] is True
    container["opts"]["start_from_latent_avg"] = False
    relative = load_model(write(tmp_path, "relative", container))
    assert relative.parts["encoder"].config["add_latent_avg"] is False


def test_without_opts_an_encoder_is_taken_as_e4e_and_says_so(tmp_path: Path) -> None:
    container = reference_object("e4e_64")
    del container["opts"]
    loaded = load_model(write(tmp_path, "bare", container))
    assert loaded.parts["encoder"].config["e4e"] is True
    assert "assumed" in loaded.meta["provenance"]["encoder"]["encoder_type_from"]


def test_native_round_trip_keeps_the_encoder(tmp_path: Path) -> None:
    io_data = fixture_io("psp_64")
    loaded = load_model(checkpoint(tmp_path, "psp_64"))
    native = tmp_path / "psp.safetensors"
    save_model(loaded, native)
    again = load_model(native)
    assert again.parts["encoder"].arch == "psp_encoder" and again.parts["encoder"].config == loaded.parts["encoder"].config
    with torch.no_grad():
        assert torch.equal(again.parts["encoder"].module(photo(io_data)), loaded.parts["encoder"].module(photo(io_data)))


@pytest.mark.parametrize("case", HYPERSTYLE_CASES)
def test_hyperstyle_files_and_their_w_encoder(case: str, tmp_path: Path) -> None:
    loaded = load_model(checkpoint(tmp_path, case))
    assert loaded.arch == "stylegan2" and set(loaded.parts) == {"hypernet"}
    assert "weight_refinement" in loaded.capabilities and "photo_encoder" not in loaded.capabilities
    hypernet = loaded.parts["hypernet"]
    assert hypernet.arch == "hyperstyle_hypernet"
    assert hypernet.config["layers_to_tune"] == reference_object(case)["opts"]["layers_to_tune"]
    assert hypernet.config["separable"] == ("sep" in case)
    w_file = load_model(checkpoint(tmp_path, f"{case}_w_encoder"))
    assert w_file.parts["encoder"].arch == "psp_w_encoder" and w_file.parts["encoder"].config["add_latent_avg"]
    with torch.no_grad():
        assert rel_err(w_file.parts["encoder"].module(photo(fixture_io(case))), fixture_io(case)["codes"]) <= TOLERANCE
    save_model(loaded, tmp_path / "hs.safetensors")
    assert load_model(tmp_path / "hs.safetensors").parts["hypernet"].config == hypernet.config


# ----------------------------------------------------------------------------- hostile variants


def _edited(name: str, edit: Any) -> Any:
    container = reference_object(name)
    edit(container)
    return container


def _drop(prefix: str):
    return lambda c: [c["state_dict"].pop(k) for k in list(c["state_dict"]) if k.startswith(prefix)]


def _set(key: str, value: Any):
    return lambda c: c["state_dict"].__setitem__(key, value)


HOSTILE = {
    "encoder-without-decoder": ("e4e_64", _drop("decoder."), "no decoder"),
    "hypernet-without-decoder": ("hyperstyle_128", _drop("decoder."), "no decoder"),
    "missing-head": ("e4e_64", _drop("encoder.styles.9."), "9 heads"),
    "gap-in-heads": ("e4e_64", _drop("encoder.styles.4."), "without gaps"),
    "head-width": ("e4e_64", _set("encoder.styles.0.linear.weight", torch.zeros(8, 16)), "ws of 8 values"),
    "unknown-encoder-type": ("e4e_64", lambda c: c["opts"].__setitem__("encoder_type", "ResNetBackboneEncoder"), "ResNetBackboneEncoder"),
    "type-against-weights": ("e4e_64", lambda c: c["opts"].__setitem__("encoder_type", "WEncoder"), "does not match"),
    "latent-avg-shape": ("e4e_64", lambda c: c.__setitem__("latent_avg", torch.zeros(3, 16)), "latent_avg"),
    "nan-in-encoder": ("psp_64", _set("encoder.latlayer1.weight", torch.full((64, 32, 1, 1), float("nan"))), "NaN"),
    "wrong-unit-shape": ("psp_64", _set("encoder.body.5.res_layer.1.weight", torch.zeros(16, 16, 5, 5)), "body.5.res_layer.1.weight"),
    "hypernet-layer-beyond": ("hyperstyle_128", _set("hypernet.refinement_blocks.40.output.0.weight", torch.zeros(48, 16, 1, 1)),
                              "layer"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_broken_files_are_refused_in_our_words(case: str, tmp_path: Path) -> None:
    name, edit, fragment = HOSTILE[case]
    path = write(tmp_path, case, _edited(name, edit))
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    assert fragment in str(info.value) and path.name in str(info.value)


def test_opts_holding_an_object_are_refused_without_running_it(tmp_path: Path) -> None:
    """vars(opts) is plain data; a file whose opts carry anything else is refused by the restricted unpickler."""
    container = reference_object("e4e_64")
    marker = tmp_path / "pwned"
    container["opts"]["checkpoint_path"] = ShellPayload(marker)
    path = tmp_path / "payload.pt"
    torch.save(container, path)
    with pytest.raises(CheckpointError, match="refused to unpickle"):
        load_model(path)
    assert not marker.exists()


def test_the_importer_uses_the_files_tensors_without_copies() -> None:
    """Memory: an e4e file at 1024 px is 1.2 GB; converting it must not hold a second copy of any weight."""
    from ganstudio.checkpoints.containers import canonical_state_dict
    from ganstudio.checkpoints.importers import e4e

    state = canonical_state_dict(reference_object("e4e_64"))
    result = e4e.detect(state, {"encoder_type": "Encoder4Editing"})
    encoder = result.parts["encoder"].state
    for key in ("body.10.res_layer.1.weight", "styles.3.convs.0.weight", "latlayer2.weight"):
        assert encoder[key].data_ptr() == state[f"encoder.{key}"].data_ptr()
    assert result.state["synthesis.b8.conv0.weight"].data_ptr() == state["decoder.convs.0.conv.weight"].data_ptr()
