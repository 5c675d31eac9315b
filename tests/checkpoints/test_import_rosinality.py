"""Golden tests: rosinality/stylegan2-pytorch checkpoints import into the StyleGAN2-ADA modules and agree with the reference.

The fixtures were produced by running the reference code on CPU (tests/fixtures/README.md,
tests/fixtures/tools/make_rosinality_fixtures.py). Each `<case>.pt.xz` decompresses to the
bytes the reference's scripts would write: convert_weight.py ({"g_ema", "latent_avg"}, legacy
torch.save format), train.py ({"g", "d", "g_ema", "g_optim", "d_optim", "args", ...}) and a
pSp-style container ({"state_dict": {"encoder.*", "decoder.*"}, "latent_avg", "opts"}).

The stylegan2 family declares this importer (after NVlabs' one); where a build does not,
`registered` puts it in front of the importer chain for the tests that go through `load_model`.
"""
from __future__ import annotations

import argparse
import io
import lzma
import pathlib
from pathlib import Path
from typing import Any

import pytest
import torch
from load_failures import ShellPayload

from ganstudio.checkpoints import CheckpointError, importers, load_model, save_model
from ganstudio.checkpoints.containers import canonical_state_dict
from ganstudio.checkpoints.importers import ImportMismatch
from ganstudio.checkpoints.importers import rosinality_stylegan2 as rosinality
from ganstudio.checkpoints.safe_pickle import PickledNamespace
from ganstudio.models.stylegan2 import Discriminator, Generator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rosinality"
CASES = ["converted_64_cm2", "train_64_cm1", "psp_32_cm2"]
TOLERANCE = 1e-4


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def fixture_io(case: str) -> dict:
    return torch.load(FIXTURES / f"{case}_io.pt", weights_only=True)


def reference_bytes(case: str) -> bytes:
    return lzma.decompress((FIXTURES / f"{case}.pt.xz").read_bytes())


def checkpoint(tmp_path: Path, case: str) -> Path:
    target = tmp_path / f"{case}.pt"
    target.write_bytes(reference_bytes(case))
    return target


def reference_object(case: str) -> Any:
    return torch.load(io.BytesIO(reference_bytes(case)), weights_only=True)


def reference_state(case: str) -> dict[str, torch.Tensor]:
    """What the loader hands the importers: the unwrapped generator with latent_avg and d beside it."""
    state = canonical_state_dict(reference_object(case))
    assert state is not None
    return state


def save(tmp_path: Path, obj: Any, name: str = "edited.pt") -> Path:
    """torch.save an edited reference object, its `args` (read as a dict) a Namespace again as train.py saves it."""
    if isinstance(obj.get("args"), PickledNamespace):
        obj["args"] = argparse.Namespace(**obj["args"])
    target = tmp_path / name
    torch.save(obj, target)
    return target


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    if any(name == "rosinality_stylegan2" for name, _ in importers.detectors()):
        return
    chain = importers.detect

    def detect(state: Any, hints: Any) -> Any:
        return rosinality.detect(state, hints) or chain(state, hints)

    monkeypatch.setattr(importers, "detect", detect)


@torch.no_grad()
def outputs(G: Generator, e: dict) -> dict[str, torch.Tensor]:
    """Our renderings of what the fixture holds, computed the way the reference computed them."""
    z1, z2 = e["z"][:1], e["z2"][:1]
    ws = G.mapping(torch.cat([z1, z2]), None)
    k = e["inject_index"]  # the reference's style mixing: the first k layers from z1, the rest from z2
    result = {
        "w": G.mapping(e["z"], None)[:, 0],
        "img_const": G(e["z"], None, truncation_psi=e["psi"], noise_mode="const"),
        "img_plain": G(z1, None, noise_mode="const"),
        "img_mixed": G.synthesis(torch.cat([ws[:1, :k], ws[1:, k:]], dim=1), noise_mode="const"),
    }
    if "img_none" in e:
        result["img_none"] = G(z1, None, truncation_psi=e["psi"], noise_mode="none")
    return result


# --------------------------------------------------------------------------- golden comparisons


@pytest.mark.parametrize("case", CASES)
def test_outputs_equal_the_reference(case: str, tmp_path: Path, registered: None) -> None:
    loaded = load_model(checkpoint(tmp_path, case))
    assert loaded.arch == "stylegan2" and isinstance(loaded.module, Generator) and not loaded.module.training
    e = fixture_io(case)
    ours = outputs(loaded.module, e)
    errors = {name: rel_err(value, e[name]) for name, value in ours.items()}
    assert all(error <= TOLERANCE for error in errors.values()), errors
    # the truncation and the stored noise matter, so equality above is not a coincidence
    assert rel_err(ours["img_plain"], e["img_const"][:1]) > 1e-2


@pytest.mark.parametrize("case", CASES)
def test_config_is_read_from_shapes(case: str) -> None:
    result = rosinality.detect(reference_state(case), {})
    assert result is not None
    e = fixture_io(case)
    reference = dict(e["config"])
    if reference["size"] < 64:  # 512 channels up to 32x32 whatever the multiplier: shapes cannot tell
        reference["channel_multiplier"] = None
    assert result.meta["provenance"]["reference_config"] == reference
    assert result.meta["resolution"] == reference["size"]
    config = result.config
    assert config["z_dim"] == config["w_dim"] == reference["style_dim"]
    assert config["img_resolution"] == reference["size"] and config["c_dim"] == 0 and config["img_channels"] == 3
    assert config["mapping_kwargs"] == {"num_layers": reference["n_mlp"], "lr_multiplier": 0.01}
    synthesis = config["synthesis_kwargs"]
    assert synthesis["architecture"] == "skip" and synthesis["conv_clamp"] is None
    # the fixtures' channel counts are the reference's divided by the script's divisor
    channels = {res: min(synthesis["channel_base"] // res, synthesis["channel_max"]) for res in (4, 32, 64)}
    divisor = e["channel_divisor"]
    assert channels[4] == channels[32] == 512 // divisor
    if reference["size"] >= 64:
        assert channels[64] == 256 * reference["channel_multiplier"] // divisor


def test_w_avg_comes_from_latent_avg_when_the_file_has_one() -> None:
    for case in ("converted_64_cm2", "psp_32_cm2"):  # [w_dim]; and [n_latent, w_dim] with equal rows
        result = rosinality.detect(reference_state(case), {})
        assert torch.equal(result.state["mapping.w_avg"], fixture_io(case)["truncation_latent"].reshape(-1))
        assert result.meta["provenance"]["w_avg"] == "latent_avg of the file"


def test_w_avg_is_estimated_like_generate_py_without_latent_avg() -> None:
    result = rosinality.detect(reference_state("train_64_cm1"), {})
    e = fixture_io("train_64_cm1")  # the reference's mean_latent over the same seeded 4096 z
    assert e["mean_latent_samples"] == rosinality.MEAN_LATENT_SAMPLES and e["mean_latent_seed"] == rosinality.MEAN_LATENT_SEED
    assert rel_err(result.state["mapping.w_avg"], e["truncation_latent"].reshape(-1)) <= 1e-6
    assert result.meta["provenance"]["w_avg"].startswith("estimated")


def test_discriminator_comes_along_when_asked(tmp_path: Path, registered: None) -> None:
    path = checkpoint(tmp_path, "train_64_cm1")
    assert not load_model(path).parts
    loaded = load_model(path, include_discriminator=True)
    D = loaded.parts["discriminator"].module
    assert isinstance(D, Discriminator) and loaded.parts["discriminator"].arch == "stylegan2_discriminator"
    e = fixture_io("train_64_cm1")
    with torch.no_grad():
        assert rel_err(D(e["img_const"]), e["d_logits"]) <= TOLERANCE


def test_file_without_discriminator_says_so(tmp_path: Path, registered: None) -> None:
    with pytest.raises(CheckpointError, match="holds no discriminator"):
        load_model(checkpoint(tmp_path, "converted_64_cm2"), include_discriminator=True)


def test_takes_g_ema_and_falls_back_to_g(tmp_path: Path, registered: None) -> None:
    e = fixture_io("train_64_cm1")
    obj = reference_object("train_64_cm1")
    del obj["g_ema"]  # only the training copy left: it is taken, and it is not the EMA
    G = load_model(save(tmp_path, obj)).module
    assert rel_err(outputs(G, e)["img_const"], e["img_const"]) > 1e-2


def test_native_round_trip_gives_the_same_image(tmp_path: Path, registered: None) -> None:
    loaded = load_model(checkpoint(tmp_path, "psp_32_cm2"))
    native = tmp_path / "psp.safetensors"
    save_model(loaded, native)
    again = load_model(native)
    assert again.config == loaded.config
    assert again.meta["provenance"]["reference_config"] == loaded.meta["provenance"]["reference_config"]
    e = fixture_io("psp_32_cm2")
    assert rel_err(outputs(again.module, e)["img_const"], e["img_const"]) <= TOLERANCE


def test_no_other_importer_claims_these_files() -> None:
    """So the importer's place in the detection order is free; the family declares it after NVlabs' one."""
    for case in CASES:
        state = reference_state(case)
        for name, detect in importers.detectors():
            if name != "rosinality_stylegan2":
                assert detect(state, {}) is None, name


# --------------------------------------------------------------------------- the args Namespace


def test_args_namespace_is_read_as_a_plain_dict() -> None:
    args = reference_object("train_64_cm1")["args"]
    assert type(args) is PickledNamespace and isinstance(args, dict)
    assert args["size"] == 64 and args["n_mlp"] == 2 and args["ckpt"] is None


def _namespace_with_arguments() -> Any:
    class Crafted:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (argparse.Namespace, ("size", 64))  # REDUCE: calls the class with arguments

    return Crafted()


def _namespace_with_odd_state() -> argparse.Namespace:
    namespace = argparse.Namespace()
    namespace.__dict__[1] = 2  # an attribute name that is not a string, pickled as the Namespace's state
    return namespace


class NotANamespace:
    """A class of this test module: nothing may import it to rebuild the file's object."""

    def __init__(self) -> None:
        self.size = 64


@pytest.mark.parametrize("make, fragments", [
    (lambda marker: NotANamespace(), ["refused to unpickle", "NotANamespace, which is not allowed"]),
    (lambda marker: argparse.Namespace(path=pathlib.PurePosixPath("/data")), ["refused to unpickle", "PurePosixPath"]),
    (lambda marker: argparse.Namespace(hook=ShellPayload(marker)), ["refused to unpickle", "system"]),
    (lambda marker: _namespace_with_arguments(), ["refused to unpickle"]),
    (lambda marker: _namespace_with_odd_state(), ["refused to unpickle"]),
], ids=["other-class", "namespace-holding-a-path", "namespace-holding-a-shell-payload", "namespace-with-arguments",
        "namespace-with-odd-state"])
def test_args_of_another_kind_are_refused_without_running_anything(make: Any, fragments: list[str], tmp_path: Path,
                                                                   registered: None) -> None:
    marker = tmp_path / "ran"
    obj = reference_object("converted_64_cm2")
    obj["args"] = make(marker)
    path = save(tmp_path, obj)
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    message = str(info.value)
    assert path.name in message and all(fragment in message for fragment in fragments), message
    assert "weights_only" not in message and "safe_globals" not in message  # never torch's advice to load unsafely
    assert not marker.exists()


# --------------------------------------------------------------------------- broken files


def test_truncated_file_is_an_error(tmp_path: Path, registered: None) -> None:
    data = reference_bytes("train_64_cm1")
    path = tmp_path / "truncated.pt"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or damaged"):
        load_model(path)


def _edited(case: str, edit: Any) -> dict[str, torch.Tensor]:
    state = reference_state(case)
    edit(state)
    return state


def _put(key: str, value: torch.Tensor) -> Any:
    return lambda state: state.__setitem__(key, value)


@pytest.mark.parametrize("case, edit, hints, message", [
    ("converted_64_cm2", lambda s: s.pop("to_rgbs.1.conv.modulation.bias"), {},
     "1 missing (e.g. to_rgbs.1.conv.modulation.bias)"),
    ("converted_64_cm2", _put("convs.3.conv.weight", torch.zeros(1, 16, 8, 3, 3)), {},
     "convs.3.conv.weight is (1, 16, 8, 3, 3), expected (1, 16, 16, 3, 3)"),
    ("converted_64_cm2", _put("convs.3.extra", torch.zeros(2)), {}, "1 unexpected (e.g. convs.3.extra)"),
    ("converted_64_cm2", lambda s: [s.pop(k) for k in list(s) if k.startswith("convs.5.")], {},
     "convs.<i> are numbered [0, 1, 2, 3, 4, 6, 7], not 0, 1, ... without gaps"),
    ("converted_64_cm2", lambda s: [s.pop(k) for k in list(s) if k.startswith("style.3.")], {},
     "mapping layers style.<i> are numbered [1, 2, 4, 5, 6, 7, 8]"),
    ("converted_64_cm2", lambda s: s.update({f"convs.{i}.conv.weight": torch.zeros(1) for i in range(8, 40)}), {},
     "20 upsampling blocks would make images larger than 16384x16384"),
    ("converted_64_cm2", _put("input.input", torch.zeros(1, 0, 4, 4)), {}, "conv1.conv.weight is (1, 16, 16, 3, 3), expected (1, 0, 0, 3, 3)"),
    ("converted_64_cm2", lambda s: s.update({f"style.{i}.{n}": torch.zeros((128, 128) if n == "weight" else (128,))
                                             for i in range(9, 41) for n in ("weight", "bias")}), {},
     "mapping_kwargs.num_layers is 40, above the largest supported value 32"),
    ("converted_64_cm2", _put("to_rgbs.0.iwt.ll", torch.zeros(1, 1, 2, 2)), {}, "a SWAGAN generator (wavelet outputs)"),
    ("converted_64_cm2", _put("latent_avg", torch.zeros(7)), {}, "latent_avg is (7,); the generator's w has 128 values"),
    ("converted_64_cm2", _put("latent_avg", torch.arange(256.0).reshape(2, 128)), {},
     "latent_avg holds 2 different per-layer averages"),
    ("converted_64_cm2", _put("convs.2.conv.blur.kernel", torch.ones(4, 4)), {},
     "convs.2.conv.blur.kernel is not the [1,3,3,1] blur kernel"),
    ("converted_64_cm2", lambda s: None, {"network": "G"}, "hint network='G': a stylegan2-pytorch file is imported from its g_ema"),
    ("train_64_cm1", lambda s: s.pop("d.final_linear.0.bias"), {"include_discriminator": True},
     "stylegan2-pytorch discriminator: the weights do not fit the layout their shapes suggest: 1 missing (e.g. final_linear.0.bias)"),
    ("train_64_cm1", _put("d.convs.2.skip.0.kernel", torch.eye(4)), {"include_discriminator": True},
     "convs.2.skip.0.kernel is not the [1,3,3,1] blur kernel"),
])
def test_mismatched_files_name_what_does_not_fit(case: str, edit: Any, hints: dict, message: str) -> None:
    with pytest.raises(ImportMismatch) as info:
        rosinality.detect(_edited(case, edit), hints)
    assert message in str(info.value), str(info.value)


def test_mismatch_reaches_the_caller_naming_the_file(tmp_path: Path, registered: None) -> None:
    obj = reference_object("converted_64_cm2")
    obj["g_ema"]["conv1.activate.bias"] = torch.zeros(3)
    path = save(tmp_path, obj, "broken_ffhq.pt")
    with pytest.raises(CheckpointError) as info:
        load_model(path)
    assert "broken_ffhq.pt" in str(info.value) and "conv1.activate.bias is (3,), expected (16,)" in str(info.value)


def test_other_files_are_not_claimed() -> None:
    assert rosinality.detect({"synthesis.b4.const": torch.zeros(4, 4, 4), "mapping.fc0.weight": torch.zeros(2, 2)}, {}) is None
    assert rosinality.detect({"style.1.weight": torch.zeros(2, 2)}, {}) is None  # no constant input: not a generator



def test_an_imported_file_keeps_its_name_in_the_provenance(tmp_path: Path) -> None:
    from ganstudio.checkpoints import load_model

    loaded = load_model(checkpoint(tmp_path, "psp_32_cm2"))
    assert loaded.meta["provenance"]["imported_from"] == "psp_32_cm2.pt"
