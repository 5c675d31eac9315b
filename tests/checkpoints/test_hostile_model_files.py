"""Hostile and broken model files (issue 22): each is refused with a CheckpointError that names the
file once and the problem, within 2 s and 1 GB of memory growth, measured in a child process.

Every file is generated here, in a temporary folder; bombs are never checked in.
All files load in one child interpreter (see hostile_files.load_in_child).
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
from safetensors.torch import save_file

from ganstudio.checkpoints import CheckpointError, load_model
from hostile_files import (
    ROOT,
    load_in_child,
    map_tensors,
    snapshot_generator,
    tensors_of,
    tiny_networks,
    with_kwargs,
    write_deflate_bomb,
    write_legacy_with_huge_storage,
    write_native,
    write_network_pickle,
)
from load_failures import ShellPayload

# CPU seconds: the work a refusal does, which other processes on a busy machine do not inflate; wall time
# only catches waits (sleeps, locks) and gets more room for the same reason
SECONDS = 2.0
WALL_SECONDS = 10.0
GROWTH_MB = 1024

# arch -> (a width argument, a count or size argument) to blow up
SIZE_ARGS = {
    "spade": ("ngf", "crop_size"),
    "spade_encoder": ("ngf", "crop_size"),
    "spade_discriminator": ("ndf", "num_D"),
    "sean": ("ngf", "num_style_classes"),
    "oasis": ("channels_G", "crop_size"),
    "oasis_discriminator": ("channels_D", "num_res_blocks"),
    "stylegan2": ("w_dim", "img_resolution"),
    "stylegan2_discriminator": ("channel_max", "img_resolution"),
    "stylegan2_encoder": ("channels", "num_ws"),
    "psp_encoder": ("base_width", "n_styles"),
    "psp_w_encoder": ("base_width", "n_styles"),
    "hyperstyle_hypernet": ("base_width", "img_resolution"),
    "pix2pix_unet": ("ngf", "num_downs"),
    "cyclegan_resnet": ("ngf", "n_blocks"),
    "patchgan": ("ndf", "n_layers"),
    "stargan": ("conv_dim", "repeat_num"),
    "stargan_discriminator": ("conv_dim", "repeat_num"),
    "munit": ("dim", "n_res"),
    "unit": ("dim", "n_res"),
    "bicyclegan_unet": ("ngf", "num_downs"),
    "bicyclegan_encoder": ("nef", "n_blocks"),
    "gan_int_cls": ("ngf", "resolution"),
    "gan_int_cls_discriminator": ("ndf", "resolution"),
    "gigagan": ("channel_max", "resolution"),
    "gigagan_discriminator": ("channel_max", "resolution"),
    "dcgan": ("ngf", "img_resolution"),
    "dcgan_discriminator": ("ndf", "img_resolution"),
    "progan": ("depth_scale0", "z_dim"),
    "progan_discriminator": ("depth_scale0", "decision_size"),
    "instagan_generator": ("ngf", "n_blocks"),
    "instagan_discriminator": ("ndf", "n_layers"),
    "lostgan_generator": ("ch", "size"),
}
# a value of the wrong type for an int argument, and what the message says
WRONG_TYPES = {"string": ("64", "whole number"), "list": ([64], "whole number"), "bool": (True, "whole number"),
               "float": (64.0, "whole number"), "null": (None, "whole number"), "mapping": ({"a": 1}, "whole number")}


class Cases:
    """Collects (id, path, hints, fragments the message must hold)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.items: dict[str, tuple[Path, dict[str, Any], tuple[str, ...]]] = {}

    def add(self, case_id: str, make: Callable[[Path], Path], *fragments: str, suffix: str = ".safetensors",
            hints: dict[str, Any] | None = None) -> None:
        path = make(self.folder / f"{case_id.replace('/', '_')}{suffix}")
        self.items[case_id] = (path, hints or {}, fragments)


def _native_cases(cases: Cases, networks: dict[str, torch.nn.Module]) -> None:
    for arch, module in networks.items():
        config, tensors = dict(module.config), tensors_of(module)

        def native(changes: dict[str, Any], arch: str = arch, config: dict[str, Any] = config,
                   tensors: dict[str, torch.Tensor] = tensors) -> Callable[[Path], Path]:
            return lambda path: write_native(path, {"arch": arch, "config": {**config, **changes}}, tensors)

        width, count = SIZE_ARGS[arch]
        cases.add(f"{arch}/huge-{width}", native({width: 10**6}), width, "largest supported")
        huge_count = 2**20 if count in ("img_resolution", "crop_size") else 10**7
        cases.add(f"{arch}/huge-{count}", native({count: huge_count}), count, "largest supported")
        cases.add(f"{arch}/negative-{width}", native({width: -3}), width, "smallest supported")
        for kind, (value, says) in WRONG_TYPES.items():
            cases.add(f"{arch}/{kind}-{width}", native({width: value}), width, says)
        cases.add(f"{arch}/unknown-argument", native({"payload": 1}), "payload", "not an argument")

    spade_config, spade_tensors = dict(networks["spade"].config), tensors_of(networks["spade"])

    def spade(changes: dict[str, Any]) -> Callable[[Path], Path]:
        return lambda path: write_native(path, {"arch": "spade", "config": {**spade_config, **changes}}, spade_tensors)

    cases.add("spade/nan-aspect", spade({"aspect_ratio": math.nan}), "aspect_ratio", "finite")
    cases.add("spade/inf-aspect", spade({"aspect_ratio": math.inf}), "aspect_ratio", "finite")
    cases.add("spade/int-for-bool", spade({"use_vae": 1}), "use_vae", "true or false")
    cases.add("spade/unknown-choice", spade({"num_upsampling_layers": "tons"}), "num_upsampling_layers", "one of")
    cases.add("spade/huge-int-literal", lambda p: write_native(p, None, spade_tensors,
              raw_header='{"arch": "spade", "config": {"ngf": ' + "9" * 5000 + "}}"), "damaged GAN Studio metadata")
    without_label_nc = {k: v for k, v in spade_config.items() if k != "label_nc"}
    cases.add("spade/missing-argument", lambda p: write_native(p, {"arch": "spade", "config": without_label_nc}, spade_tensors),
              "label_nc", "missing")
    # every argument in range, together absurd: the VAE's first layer alone would be terabytes
    cases.add("spade/in-range-but-huge", spade({"use_vae": True, "crop_size": 16384, "aspect_ratio": 0.05, "z_dim": 4096}),
              "do not fit spade", "implies", "crop_size")

    oasis_config, oasis_tensors = dict(networks["oasis"].config), tensors_of(networks["oasis"])

    def oasis(changes: dict[str, Any]) -> Callable[[Path], Path]:
        return lambda path: write_native(path, {"arch": "oasis", "config": {**oasis_config, **changes}}, oasis_tensors)

    cases.add("oasis/crop-below-first-map", oasis({"crop_size": 16}), "crop_size", "too small for OASIS")
    cases.add("oasis/too-wide", oasis({"aspect_ratio": 20.0}), "aspect_ratio", "too wide")
    cases.add("oasis/nan-aspect", oasis({"aspect_ratio": math.nan}), "aspect_ratio", "finite")
    cases.add("oasis/unknown-norm", oasis({"param_free_norm_type": "layer"}), "param_free_norm_type", "one of")
    cases.add("oasis/shapes-do-not-match", oasis({"z_dim": 8}), "do not fit oasis")
    cases.add("oasis/in-range-but-huge", oasis({"channels_G": 256, "crop_size": 16384, "spade_hidden": 1024}),
              "do not fit oasis", "implies")

    sg_config, sg_tensors = dict(networks["stylegan2"].config), tensors_of(networks["stylegan2"])

    def sg(mapping: dict[str, Any] | None = None, synthesis: dict[str, Any] | None = None) -> Callable[[Path], Path]:
        config = dict(sg_config, mapping_kwargs={**sg_config["mapping_kwargs"], **(mapping or {})},
                      synthesis_kwargs={**sg_config["synthesis_kwargs"], **(synthesis or {})})
        return lambda path: write_native(path, {"arch": "stylegan2", "config": config}, sg_tensors)

    cases.add("stylegan2/huge-mapping-layers", sg({"num_layers": 10**6}), "mapping_kwargs.num_layers", "largest supported")
    cases.add("stylegan2/zero-lr", sg({"lr_multiplier": 0}), "mapping_kwargs.lr_multiplier")
    cases.add("stylegan2/inf-lr", sg({"lr_multiplier": math.inf}), "mapping_kwargs.lr_multiplier", "finite")
    cases.add("stylegan2/nan-clamp", sg(synthesis={"conv_clamp": math.nan}), "synthesis_kwargs.conv_clamp", "finite")
    cases.add("stylegan2/huge-filter", sg(synthesis={"resample_filter": [1.0] * 100_000}), "synthesis_kwargs.resample_filter")
    cases.add("stylegan2/not-power-of-two", lambda p: write_native(
        p, {"arch": "stylegan2", "config": dict(sg_config, img_resolution=12)}, sg_tensors), "img_resolution", "power of two")

    sg_config_8 = dict(networks["stargan"].config)
    cases.add("stargan/in-range-but-huge", lambda p: write_native(
        p, {"arch": "stargan", "config": dict(sg_config_8, conv_dim=512, repeat_num=64)}, tensors_of(networks["stargan"])),
        "do not fit stargan", "implies", "conv_dim=512", "repeat_num=64")
    cases.add("stargan/shapes-do-not-match", lambda p: write_native(
        p, {"arch": "stargan", "config": dict(sg_config_8, conv_dim=8)}, tensors_of(networks["stargan"])),
        "do not fit stargan", "main.0.weight is (4, 8, 7, 7), expected (8, 8, 7, 7)")
    cases.add("stargan/no-tensors", lambda p: write_native(
        p, {"arch": "stargan", "config": dict(sg_config_8, conv_dim=512)}, {"x": torch.zeros(1)}), "do not fit stargan")

    # the header itself
    cases.add("header/config-is-a-list", lambda p: write_native(p, {"arch": "stargan", "config": [1, 2]}, {"x": torch.zeros(1)}),
              "damaged GAN Studio metadata")
    cases.add("header/arch-is-a-number", lambda p: write_native(p, {"arch": 7, "config": {}}, {"x": torch.zeros(1)}),
              "damaged GAN Studio metadata")
    cases.add("header/class-names-not-names", lambda p: write_native(
        p, {"arch": "stargan", "config": sg_config_8, "class_names": [["a"]] * 3}, tensors_of(networks["stargan"])), "class_names")
    cases.add("header/max-objects-huge", lambda p: write_native(
        p, {"arch": "stargan", "config": sg_config_8, "max_objects": 10**9}, tensors_of(networks["stargan"])), "max_objects")
    cases.add("header/unknown-arch", lambda p: write_native(p, {"arch": "teleporter", "config": {}}, {"x": torch.zeros(1)}),
              "unknown architecture")
    cases.add("header/nested-json", lambda p: write_native(p, None, {"x": torch.zeros(1)}, raw_header="[" * 200_000 + "]" * 200_000),
              "damaged GAN Studio metadata")
    cases.add("header/parts-not-a-mapping", lambda p: write_native(
        p, {"arch": "stargan", "config": sg_config_8, "parts": "evil"}, tensors_of(networks["stargan"])), "parts")
    encoder = networks["spade_encoder"]
    cases.add("header/part-with-huge-config", lambda p: write_native(
        p, {"arch": "spade", "config": spade_config,
            "parts": {"encoder": {"arch": "spade_encoder", "config": dict(encoder.config, ngf=10**6)}}},
        {**spade_tensors, **{f"parts.encoder.{k}": v for k, v in tensors_of(encoder).items()}}), "spade_encoder", "ngf")
    cases.add("header/undeclared-part", lambda p: write_native(
        p, {"arch": "stargan", "config": sg_config_8}, {**tensors_of(networks["stargan"]), "parts.evil.x": torch.zeros(1)}),
        "undeclared part")
    cases.add("header/colour-codes-in-a-key", lambda p: write_native(
        p, {"arch": "stargan", "config": sg_config_8}, {**tensors_of(networks["stargan"]), "\x1b[31mred\x1b[0m": torch.zeros(1)}),
        "do not fit stargan")

    # weights that are not numbers
    def all_nan(path: Path) -> Path:
        return write_native(path, {"arch": "stargan", "config": sg_config_8},
                            {k: torch.full_like(v, math.nan) if v.is_floating_point() else v
                             for k, v in tensors_of(networks["stargan"]).items()})

    def one_inf(path: Path) -> Path:
        tensors = tensors_of(networks["cyclegan_resnet"])
        tensors["model.10.conv_block.1.weight"][0, 0, 0, 0] = math.inf
        return write_native(path, {"arch": "cyclegan_resnet", "config": networks["cyclegan_resnet"].config}, tensors)

    cases.add("weights/all-nan", all_nan, "main.0.weight", "NaN or infinite")
    cases.add("weights/one-inf", one_inf, "model.10.conv_block.1.weight", "NaN or infinite")


def _official_cases(cases: Cases, networks: dict[str, torch.nn.Module]) -> None:
    """Plain state dicts (.pth, plain .safetensors) that the importers detect."""
    cyclegan = tensors_of(networks["cyclegan_resnet"])
    spade = tensors_of(networks["spade"])

    def save(state: dict[str, Any]) -> Callable[[Path], Path]:
        return lambda path: (torch.save(state, path), path)[1]

    cases.add("pth/deflate-bomb", write_deflate_bomb, "compressed", suffix=".pth")
    cases.add("pth/expanded-view", save({"model.1.weight": torch.zeros(1).expand(10**5, 10**5, 7, 7)}),
              "claim", suffix=".pth")
    cases.add("pth/legacy-huge-storage", write_legacy_with_huge_storage, "damaged", suffix=".pth")
    cases.add("pth/shell-payload", save({"weight": torch.zeros(1), "evil": ShellPayload(cases.folder / "pwned")}),
              "refused", "system", suffix=".pth")
    cases.add("pth/prefix-bomb", save({"module." * 100_000 + "x": torch.zeros(1)}), "unknown architecture", suffix=".pth")
    cases.add("pth/inf-weight", save({**cyclegan, "model.1.weight": torch.full_like(cyclegan["model.1.weight"], math.inf)}),
              "model.1.weight", "NaN or infinite", suffix=".pth")

    def project(path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.json", json.dumps({"version": 1}))
            archive.writestr("labelmap.png", bytes(1000))
        return path

    cases.add("zip/project-as-model", project, "GAN Studio project", suffix=".gstudio")

    def other_zip(path: Path) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
        return path

    cases.add("zip/not-a-checkpoint", other_zip, "not a torch checkpoint", suffix=".pth")

    # 20000 residual blocks of zero-size tensors: detection must stay linear, the schema names the count
    many = dict(cyclegan)
    many.update({f"model.{10 + i}.conv_block.1.weight": torch.zeros(0, 0, 3, 3) for i in range(20_000)})
    many.update({"model.20017.weight": torch.zeros(3, 2, 7, 7), "model.20017.bias": torch.zeros(3)})  # the output conv
    cases.add("safetensors/many-blocks", lambda p: (save_file(many, str(p)), p)[1], "n_blocks", "largest supported")
    # a zero-size VAE layer can claim any grid: 2**40 cells
    vae = dict(tensors_of(networks["spade"].__class__(label_nc=3, ngf=2, crop_size=64, use_vae=True, z_dim=4,
                                                      param_free_norm_type="batch")))
    vae["fc.weight"] = torch.zeros(32 * 2**40, 0)
    cases.add("safetensors/zero-size-claims-a-huge-grid", lambda p: (save_file(vae, str(p)), p)[1], "latent grid")

    # load hints go through the same checks as a file's configuration
    plain_spade = lambda p: (torch.save(spade, p), p)[1]  # noqa: E731
    for name, value, fragment in [("crop_size", 10**9, "largest supported"), ("crop_size", True, "whole number"),
                                  ("aspect_ratio", math.nan, "finite"), ("label_nc", "x", "whole number"),
                                  ("preset", "nope", "not a known preset"), ("num_upsampling_layers", "tons", "one of"),
                                  ("evil_hint", 1, "unknown load hint")]:
        cases.add(f"hints/{name}-{value}", plain_spade, f"load hint {name}" if name != "evil_hint" else name, fragment,
                  suffix=".pth", hints={name: value})


def _pickle_cases(cases: Cases) -> None:
    record = snapshot_generator()

    def pkl(network: Any, **more: Any) -> Callable[[Path], Path]:
        return lambda path: write_network_pickle(path, {"G_ema": network, **more})

    def kw(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], Path]:
        return pkl(with_kwargs(record, change))

    cases.add("pkl/huge-mapping-layers", kw(lambda k: k["mapping_kwargs"].update(num_layers=10**6)),
              "mapping_kwargs.num_layers", "largest supported", suffix=".pkl")
    cases.add("pkl/huge-resolution", kw(lambda k: k.update(img_resolution=2**20)), "img_resolution", suffix=".pkl")
    cases.add("pkl/string-z-dim", kw(lambda k: k.update(z_dim="abc")), "z_dim", "whole number", suffix=".pkl")
    cases.add("pkl/nan-channel-max", kw(lambda k: k["synthesis_kwargs"].update(channel_max=math.nan)),
              "synthesis_kwargs.channel_max", suffix=".pkl")
    cases.add("pkl/inf-clamp", kw(lambda k: k["synthesis_kwargs"].update(conv_clamp=math.inf)),
              "synthesis_kwargs.conv_clamp", "finite", suffix=".pkl")
    cases.add("pkl/huge-filter", kw(lambda k: k["synthesis_kwargs"].update(resample_filter=[1.0] * 100_000)),
              "resample_filter", suffix=".pkl")
    cases.add("pkl/in-range-but-huge", kw(lambda k: k["synthesis_kwargs"].update(channel_base=2**24, channel_max=4096)),
              "do not fit stylegan2", "implies", suffix=".pkl")

    # shared references: 2**60 paths through 60 small lists
    dag: Any = [0]
    for _ in range(60):
        dag = [dag, dag]
    cases.add("pkl/dag-bomb-kwargs", kw(lambda k: k["mapping_kwargs"].update(activation=dag)),
              "mapping_kwargs.activation", "nested deeper", suffix=".pkl")
    child = record
    for _ in range(40):
        child = type(record)("Module", {"_parameters": {}, "_buffers": {}, "_modules": {"a": child, "b": child}})
    bomb_tree = type(record)(record.class_name, dict(record.state, _modules={**record.modules, "extra": child}), record.version)
    cases.add("pkl/dag-bomb-modules", pkl(bomb_tree), "malformed module state", suffix=".pkl")

    expanded = map_tensors(record, lambda name, t: torch.zeros(1).expand(10**6, 10**6) if name == "mapping.fc0.weight" else t)
    cases.add("pkl/expanded-view", pkl(expanded), "claim more", suffix=".pkl")
    nan = map_tensors(record, lambda name, t: torch.full_like(t, math.nan) if t.is_floating_point() else t)
    cases.add("pkl/all-nan", pkl(nan), "NaN or infinite", suffix=".pkl")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any], Cases]:
    cases = Cases(tmp_path_factory.mktemp("hostile"))
    networks = tiny_networks()
    _native_cases(cases, networks)
    _official_cases(cases, networks)
    _pickle_cases(cases)
    # controls: a good file of each kind loads in the same child (the harness can tell success)
    from ganstudio.checkpoints import save_model

    cases.add("control/native", lambda p: save_model(networks["spade"], p))
    cases.add("control/pth", lambda p: (torch.save(tensors_of(networks["cyclegan_resnet"]), p), p)[1], suffix=".pth")
    batch = [(case_id, str(path), hints) for case_id, (path, hints, _) in cases.items.items()]
    results, imported = load_in_child(batch)
    return results, imported, cases


def test_every_hostile_file_is_refused_quickly_in_our_words(hostile: tuple[dict[str, Any], dict[str, Any], Cases]) -> None:
    results, _, cases = hostile
    problems = []
    for case_id, (path, _hints, fragments) in cases.items.items():
        if case_id.startswith("control/"):
            continue
        result = results.get(case_id)
        if result is None:
            problems.append(f"{case_id}: no result")
            continue
        message = result["message"]
        if result["outcome"] != "CheckpointError":
            problems.append(f"{case_id}: {result['outcome']} {message[:200]}")
            continue
        missing = [fragment for fragment in fragments if fragment not in message]
        if missing:
            problems.append(f"{case_id}: {missing} not in {message!r}")
        if message.count(path.name) != 1 or not message.startswith(path.name + ": "):
            problems.append(f"{case_id}: the file name should open the message exactly once: {message!r}")
        for unsafe in ("weights_only", "allow_pickle", "\x1b", "Traceback", "\n"):
            if unsafe in message:
                problems.append(f"{case_id}: {unsafe!r} in {message!r}")
        if result["cpu_seconds"] >= SECONDS or result["seconds"] >= WALL_SECONDS:
            problems.append(f"{case_id}: took {result['cpu_seconds']:.2f} s of CPU, {result['seconds']:.2f} s of wall time")
        if result["growth_mb"] >= GROWTH_MB:
            problems.append(f"{case_id}: peak memory grew by {result['growth_mb']:.0f} MB")
    assert not problems, "\n".join(problems)


def test_the_batch_covers_every_architecture_and_kind(hostile: tuple[dict[str, Any], dict[str, Any], Cases]) -> None:
    _, _, cases = hostile
    ids = set(cases.items)
    for arch, (width, count) in SIZE_ARGS.items():
        assert {f"{arch}/huge-{width}", f"{arch}/huge-{count}", f"{arch}/string-{width}"} <= ids
    for kind in ("pth/deflate-bomb", "zip/project-as-model", "weights/all-nan", "pkl/huge-mapping-layers", "hints/crop_size-1000000000"):
        assert kind in ids


def test_good_files_load_in_the_same_child(hostile: tuple[dict[str, Any], dict[str, Any], Cases]) -> None:
    results, _, _ = hostile
    assert results["control/native"]["outcome"] == "loaded", results["control/native"]
    assert results["control/pth"]["outcome"] == "loaded", results["control/pth"]


def test_loading_stays_clear_of_the_compiler_stack(hostile: tuple[dict[str, Any], dict[str, Any], Cases]) -> None:
    """Meta builds must not pull in torch._dynamo / sympy (a second at the first load of a process)."""
    _, imported, _ = hostile
    assert imported == {"dynamo": False, "sympy": False}


def test_report_worst_case(hostile: tuple[dict[str, Any], dict[str, Any], Cases], capsys: pytest.CaptureFixture[str]) -> None:
    results, _, _ = hostile
    slowest = max(results.values(), key=lambda r: r["seconds"])
    growth = max(r["growth_mb"] for r in results.values())
    with capsys.disabled():
        print(f"\n{len(results)} hostile files: slowest {slowest['id']} {slowest['seconds'] * 1000:.0f} ms, "
              f"peak memory growth {growth:.0f} MB")


# ----------------------------------------------------------------------------- in process


def test_the_deflate_bomb_really_is_one(tmp_path: Path) -> None:
    """The generated zip does inflate to a gigabyte: what the check refuses is a real bomb."""
    path = write_deflate_bomb(tmp_path / "bomb.pth")
    with zipfile.ZipFile(path) as archive:
        member = next(info for info in archive.infolist() if info.filename.endswith("data/0"))
        assert member.compress_type == zipfile.ZIP_DEFLATED and member.file_size == 2**30
        with archive.open(member) as stream:
            assert stream.read(2**20) == bytes(2**20)
    assert path.stat().st_size < 2**21


def test_hints_are_checked_before_the_file_is_opened(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"^missing\.pth: load hint crop_size is 1000000000, above the largest"):
        load_model(tmp_path / "missing.pth", crop_size=10**9)
    with pytest.raises(CheckpointError, match="unknown load hint 'evil'"):
        load_model(tmp_path / "missing.pth", evil=1)


def test_control_characters_from_a_file_are_escaped(tmp_path: Path) -> None:
    error = CheckpointError(tmp_path / "m.pth", "key '\x1b[31mred\x1b[0m'\nnext line")
    assert "\x1b" not in str(error) and "\n" not in str(error) and "\\x1b[31mred" in str(error)


def test_convert_prints_one_line_and_fails(hostile: tuple[dict[str, Any], dict[str, Any], Cases], tmp_path: Path) -> None:
    """The command line on a hostile file: one line on stderr, no traceback, a non-zero exit."""
    _, _, cases = hostile
    source = cases.items["pth/deflate-bomb"][0]
    done = subprocess.run([sys.executable, "-m", "ganstudio.checkpoints.convert", str(source), str(tmp_path / "out.safetensors")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode != 0 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"ganstudio-convert: {source.name}: ") and "compressed" in lines[0]
    assert not (tmp_path / "out.safetensors").exists()


@pytest.mark.parametrize("case_id", ["stargan/huge-repeat_num", "header/nested-json", "pkl/dag-bomb-kwargs",
                                     "pth/shell-payload", "header/colour-codes-in-a-key"])
def test_convert_main_reports_one_line(hostile: tuple[dict[str, Any], dict[str, Any], Cases], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str], case_id: str) -> None:
    from ganstudio.checkpoints.convert import main

    source = cases_path = hostile[2].items[case_id][0]
    assert main([str(source), str(tmp_path / "out.safetensors")]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1, captured.err
    assert captured.err.startswith(f"ganstudio-convert: {cases_path.name}: ") and "\x1b" not in captured.err
