"""Every family declaration is complete, and every table derived from the declarations agrees with them.

A new family passes these tests only when each string it declares resolves:
its networks build through the registry (and have a config schema and a tiny
hostile-file entry), its importers exist and detect its own files in an order
that no other importer spoils, its session, workspace, recipe, evaluation and
sample folder exist. See docs/adding-a-family.md.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import lzma
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from ganstudio import families
from ganstudio.families import CAPABILITIES, REGISTRY, ROLES, WORKSPACES, Family, Importer, Network

sys.path.insert(0, str(Path(__file__).resolve().parent / "checkpoints"))
from hostile_files import tensors_of, tiny_networks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
IDS = [f.name for f in REGISTRY]


def resolve(target: str) -> Any:
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)


@pytest.fixture(scope="module")
def tiny() -> dict[str, torch.nn.Module]:
    return tiny_networks()


# ------------------------------------------------------------------------------------ each declaration


@pytest.mark.parametrize("family", REGISTRY, ids=IDS)
def test_names_and_main_network(family: Family) -> None:
    assert family.name.isidentifier() and family.name == family.name.lower()
    assert family.display_name and family.summary
    assert all(s.startswith(".") for s in family.suffixes)
    main = family.network(family.main)
    assert main is not None, f"{family.name}: main {family.main!r} is not one of its networks"
    assert main.role == "generator"
    assert all(n.role in ROLES for n in family.networks)


@pytest.mark.parametrize("family", REGISTRY, ids=IDS)
def test_networks_are_built_by_the_registry(family: Family, tiny: dict[str, torch.nn.Module]) -> None:
    from ganstudio.models.config_schema import SCHEMAS
    from ganstudio.models.registry import ARCHITECTURES, arch_of, model_class

    for network in family.networks:
        cls = model_class(network.arch)
        assert f"{cls.__module__}:{cls.__name__}" == f"ganstudio.models.{network.target}"
        assert ARCHITECTURES[network.arch] == network.target
        assert network.arch in SCHEMAS, f"{network.arch} has no config schema"
        assert arch_of(tiny[network.arch]) == network.arch


@pytest.mark.parametrize("family", REGISTRY, ids=IDS)
def test_parts_and_capabilities_are_known(family: Family) -> None:
    archs = families.architectures()
    assert all(arch in archs for arch in family.parts.values())
    assert family.capabilities <= set(CAPABILITIES), sorted(family.capabilities - set(CAPABILITIES))
    for capability, part in family.capability_parts.items():
        assert capability in family.capabilities and part in family.parts
        assert capability not in families.capabilities(family.main)
        assert capability in families.capabilities(family.main, [part])


@pytest.mark.parametrize("family", REGISTRY, ids=IDS)
def test_importers_exist_and_detect(family: Family) -> None:
    for importer in family.importers:
        module = importlib.import_module(f"ganstudio.checkpoints.importers.{importer.module}")
        assert callable(getattr(module, "detect", None)), f"{importer.module} has no detect()"
        assert list(inspect.signature(module.detect).parameters) == ["state", "hints"]


@pytest.mark.parametrize("family", REGISTRY, ids=IDS)
def test_session_workspace_recipe_evaluation_samples_exist(family: Family) -> None:
    from ganstudio.engine.session import Session

    if family.workspace is not None or family.session is not None:
        assert family.workspace in WORKSPACES
        assert issubclass(resolve(family.session), Session)
    for recipe in ((family.recipe,) if family.recipe else ()) + family.extra_recipes:
        module = importlib.import_module(f"trainer.recipes.{recipe}")
        assert callable(getattr(module, "add_arguments", None)) and callable(getattr(module, "run", None))
    if family.evaluation is not None:
        assert callable(resolve(families.evaluations()[family.main]))
    if family.sample_kind is not None:
        assert (ROOT / "resources" / "samples" / family.sample_kind).is_dir()


# ------------------------------------------------------------------------------------ the whole registry


def test_each_name_is_declared_once() -> None:
    archs = [n.arch for f in REGISTRY for n in f.networks]
    modules = [i.module for f in REGISTRY for i in f.importers]
    recipes = [r for f in REGISTRY for r in ((f.recipe,) if f.recipe else ()) + f.extra_recipes]
    for names in (IDS, archs, modules, recipes):
        assert len(names) == len(set(names)), names


def test_every_workspace_opens_some_family() -> None:
    for workspace in WORKSPACES:
        assert families.archs_for_workspace(workspace), workspace


def test_hostile_file_tests_cover_every_network(tiny: dict[str, torch.nn.Module]) -> None:
    """A new network gets the bad-input tests of issue 22 only through tests/checkpoints/hostile_files.py."""
    assert set(tiny) == set(families.architectures())


def test_detection_order_keeps_every_constraint() -> None:
    from ganstudio.checkpoints import importers

    order = families.importer_order()
    assert importers.ORDER == order
    assert sorted(order) == sorted(i.module for f in REGISTRY for i in f.importers)
    for importer in (i for f in REGISTRY for i in f.importers):
        assert all(order.index(importer.module) < order.index(other) for other in importer.before), importer
        assert all(order.index(importer.module) > order.index(other) for other in importer.after), importer
    assert order.index("sean") < order.index("spade")
    assert order[-1] == "patchgan"


# fixture folders not named after the family whose importer reads them
FIXTURE_FAMILIES = {"patchgan": "pix2pix", "rosinality": "stylegan2", "e4e": "stylegan2"}


def official_fixtures() -> dict[str, tuple[str, dict[str, torch.Tensor]]]:
    """file name -> (the family whose reference code wrote it, its canonical state dict)."""
    from ganstudio.checkpoints.containers import canonical_state_dict

    found = {}
    patterns = ("*/*.pth", "*/*.ckpt", "*/*.pth.xz", "*/*.pt.xz", "*/*gen_0*.pt")  # MUNIT/UNIT: gen_XXXXXXXX.pt
    for path in sorted(p for pattern in patterns for p in (ROOT / "tests" / "fixtures").glob(pattern)):
        data = lzma.decompress(path.read_bytes()) if path.suffix == ".xz" else path.read_bytes()
        state = canonical_state_dict(torch.load(io.BytesIO(data), weights_only=True, map_location="cpu"))
        owner = FIXTURE_FAMILIES.get(path.parent.name, path.parent.name)
        found[f"{path.parent.name}/{path.name}"] = (families.family(owner).name, state)
    return found


def test_each_file_is_detected_by_its_family_and_overlaps_are_declared(tiny: dict[str, torch.nn.Module]) -> None:
    """Offer every tiny network's state dict and every official fixture to every importer. Its own family's
    importer must claim it; any other importer that claims it too must come later and say so (before/after),
    not by the registry's accident. (Today no two importers claim one file: the constraints are guards.)"""
    from ganstudio.checkpoints.importers import ImportMismatch, detect

    order = families.importer_order()
    declared = {i.module: i for f in REGISTRY for i in f.importers}
    native_only = {n.arch for f in REGISTRY for n in f.networks if n.native_only}  # no official files to detect
    cases = {arch: (families.family_of(arch).name, tensors_of(module)) for arch, module in tiny.items() if arch not in native_only}
    cases.update(official_fixtures())
    assert len(cases) > len(tiny) + 15
    problems = []
    for case, (owner_family, state) in cases.items():
        claims = []
        for name in order:
            try:
                found = importlib.import_module(f"ganstudio.checkpoints.importers.{name}").detect(state, {})
            except ImportMismatch:
                found = "mismatch"
            if found is not None:
                claims.append((name, found if isinstance(found, str) else found.arch))
        result = detect(state, {})
        if result is None or families.family_of(result.arch).name != owner_family or (case in tiny and result.arch != case):
            problems.append(f"{case}: detected as {result.arch if result else None} (claims {claims})")
            continue
        owner = claims[0][0]
        for name, _ in claims[1:]:
            if name not in declared[owner].before and owner not in declared[name].after:
                problems.append(f"{case}: {name} claims it too; declare {owner} before={name!r} or {name} after={owner!r}")
    assert not problems, "\n".join(problems)


def test_ordering_mistakes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def fam(name: str, *importers: Importer) -> Family:
        return Family(name=name, display_name=name, summary="x", networks=(Network(name, "x:X"),), main=name, importers=importers)

    monkeypatch.setattr(families, "REGISTRY", (fam("a", Importer("a", before=("b",))), fam("b", Importer("b", before=("a",)))))
    with pytest.raises(ValueError, match="cycle"):
        families.importer_order()
    monkeypatch.setattr(families, "REGISTRY", (fam("a", Importer("a", after=("ghost",))),))
    with pytest.raises(ValueError, match="ghost"):
        families.importer_order()
    monkeypatch.setattr(families, "REGISTRY", (fam("a", Importer("a")), fam("b", Importer("b", before=("a",))), fam("c", Importer("c"))))
    assert families.importer_order() == ("b", "a", "c")


# ------------------------------------------------------------------------------------ derived tables


def test_precision_policy_follows_half_safe() -> None:
    from ganstudio.engine.device import HALF_SAFE_ARCHS, runtime_for

    for family in REGISTRY:
        for network in family.networks:
            assert (network.arch in HALF_SAFE_ARCHS) == network.half_safe
            expected = torch.float16 if network.half_safe else torch.float32
            assert runtime_for("cuda", network.arch).dtype == expected, network.arch
    assert {"spade", "spade_encoder", "sean", "pix2pix_unet", "cyclegan_resnet", "stargan"} <= HALF_SAFE_ARCHS
    assert "stylegan2" not in HALF_SAFE_ARCHS


def test_app_tables_come_from_the_declarations() -> None:
    from ganstudio.app.model_library import PAINTING_ARCHS, WORKSPACE_ARCHS
    from ganstudio.app.samples import CONVERT_KINDS, convert_sample_kind

    assert set(WORKSPACE_ARCHS) == set(WORKSPACES)
    for family in REGISTRY:
        if family.workspace:
            assert family.main in WORKSPACE_ARCHS[family.workspace]
            assert families.workspace_for(family.main) == family.workspace
        for network in family.networks:
            if network.arch != family.main:
                assert families.workspace_for(network.arch) is None and not families.capabilities(network.arch)
    assert PAINTING_ARCHS == ("spade", "sean", "oasis")
    assert WORKSPACE_ARCHS["convert"][:2] == ("cyclegan_resnet", "pix2pix_unet")  # CycleGAN's bundled model starts Convert
    assert {"munit", "unit"} <= set(WORKSPACE_ARCHS["convert"][2:])
    assert convert_sample_kind("pix2pix_unet") == "label-maps" and convert_sample_kind("cyclegan_resnet") == "landscapes"
    assert convert_sample_kind(None) in CONVERT_KINDS
    assert WORKSPACE_ARCHS["layout"] == ("lostgan_generator",)  # the Layout workspace opens LostGAN only
    assert families.workspace_for("teleporter") is None and families.workspace_for(None) is None


def test_refusals_name_every_family_of_the_workspace() -> None:
    assert families.needs_message("paint") == "painting needs a SPADE, SEAN or OASIS model"
    assert families.needs_message("convert").startswith("conversion needs a pix2pix, CycleGAN, MUNIT, UNIT")
    for workspace in WORKSPACES:
        message = families.needs_message(workspace)
        for arch in families.archs_for_workspace(workspace):
            assert families.family_of(arch).display_name in message


def test_capabilities_of_a_loaded_model_description() -> None:
    assert families.capabilities_of({"arch": "spade", "parts": ["encoder"]}) >= {"label_map_input", "style_image"}
    assert "style_image" not in families.capabilities_of({"arch": "spade", "parts": []})
    assert "reverse_direction" in families.capabilities_of({"arch": "cyclegan_resnet", "parts": ["reverse"]})
    assert families.capabilities_of({"arch": "x", "capabilities": ["latent_space"]}) == {"latent_space"}
    assert families.capabilities_of(None) == frozenset()


def test_trainer_recipes_and_evaluations_come_from_the_declarations() -> None:
    from trainer import cli
    from trainer.recipes import RECIPES

    assert RECIPES == families.recipes()
    assert "encoder" in RECIPES and RECIPES.index("encoder") == RECIPES.index("stylegan2") + 1  # a family's extra recipes follow its own
    assert set(cli.available_recipes()) == set(RECIPES)
    from trainer.evaluation.__main__ import EVALUATORS

    assert set(families.evaluations()) <= {f.main for f in REGISTRY}
    assert {arch: f"{fn.__module__}:{fn.__name__}" for arch, fn in EVALUATORS.items()} == families.evaluations()


def test_loaded_model_info_carries_family_and_capabilities(tiny: dict[str, torch.nn.Module]) -> None:
    from ganstudio.checkpoints.loaded import LoadedModel
    from ganstudio.engine.device import CPU_RUNTIME
    from ganstudio.engine.model_cache import ReadyModel

    loaded = LoadedModel("cyclegan_resnet", {}, tiny["cyclegan_resnet"], {}, {"reverse": LoadedModel("cyclegan_resnet", {}, tiny["cyclegan_resnet"])})
    info = ReadyModel(loaded, CPU_RUNTIME, key=1).info()
    assert info["family"] == "cyclegan"
    assert info["capabilities"] == ["image_translation", "reverse_direction"]


def test_files_route_by_arch_then_by_a_family_suffix(tmp_path: Path) -> None:
    from ganstudio.app.model_library import ModelEntry

    suffixes = [s for f in REGISTRY for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)) and all(s.startswith(".") and s == s.lower() for s in suffixes)
    assert families.workspace_for_file("", "snap/network-snapshot-000100.PKL") == "latent"
    assert families.workspace_for_file("", "latest_net_G.pth") is None  # known once loaded
    assert families.workspace_for_file("stargan", "faces.safetensors") == "attributes"
    assert families.workspace_for_file("patchgan", "net_D.safetensors") is None  # no workspace opens a discriminator
    assert ModelEntry(str(tmp_path / "x.pkl"), "x.pkl", "opened").workspace == "latent"
    assert ModelEntry("a.safetensors", "a.safetensors", "bundled", arch="oasis").workspace == "paint"
