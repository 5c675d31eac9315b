"""The families of GANs the studio knows, one declaration each, and every table derived from them.

A family module (`spade.py`, `sean.py`, ...) declares its networks, importers,
capabilities, engine session, workspace, trainer recipe and evaluation as plain
data (`declaration.py`). `REGISTRY` gathers them in order; the functions below
answer the questions other layers used to answer with their own lists of
architecture names. Standard library only, so that every layer may import it.
"""
from __future__ import annotations

import os
from typing import Any, Iterable, Mapping

from . import bicyclegan, cyclegan, dcgan, gan_int_cls, gigagan, instagan, lostgan, munit, oasis, pix2pix, progan, sean, spade, stargan, stylegan2, unit
from .declaration import CAPABILITIES, ROLES, WORKSPACES, Family, Importer, Network

__all__ = [
    "CAPABILITIES", "REGISTRY", "ROLES", "WORKSPACES", "Family", "Importer", "Network",
    "architectures", "archs_for_workspace", "capabilities", "capabilities_of", "describe_archs", "evaluations",
    "family", "family_of", "half_safe", "importer_order", "needs_message", "recipes", "sample_kind", "translator",
    "workspace_for", "workspace_for_file",
]

# The order breaks ties: the importers of families without an ordering constraint run in it.
REGISTRY: tuple[Family, ...] = tuple(m.FAMILY for m in (spade, sean, oasis, stylegan2, stargan, pix2pix, cyclegan, munit, unit, bicyclegan, gan_int_cls, gigagan, progan, dcgan, instagan, lostgan))

_BY_NAME = {f.name: f for f in REGISTRY}
_BY_ARCH = {n.arch: f for f in REGISTRY for n in f.networks}  # each arch is declared by one family


def family(name: str) -> Family:
    """The family called `name` (KeyError if there is none)."""
    return _BY_NAME[name]


def family_of(arch: str | None) -> Family | None:
    """The family that declares the network `arch`, or None for unknown names."""
    return _BY_ARCH.get(arch) if isinstance(arch, str) else None


def architectures() -> dict[str, str]:
    """arch -> "module:Class" inside ganstudio.models, for every declared network (ganstudio.models.registry)."""
    return {n.arch: n.target for f in REGISTRY for n in f.networks}


def half_safe(arch: str) -> bool:
    """Whether the network `arch` may run in float16 on CUDA (its layers keep activations in range)."""
    owner = family_of(arch)
    network = owner.network(arch) if owner else None
    return bool(network and network.half_safe)


def capabilities(arch: str | None, parts: Iterable[str] | None = None) -> frozenset[str]:
    """What a model whose main network is `arch` can do; empty for other networks and unknown names.

    `parts`: the companion networks its file holds. Capabilities that need a
    part (SPADE's style encoder, CycleGAN's reverse direction) count only when
    it is there; with None they are left out as well.
    """
    owner = family_of(arch)
    if owner is None or owner.main != arch:
        return frozenset()
    present = set(parts or ())
    return frozenset(c for c in owner.capabilities if owner.capability_parts.get(c, None) in (None, *present))


def capabilities_of(info: Mapping[str, Any] | None) -> frozenset[str]:
    """The capabilities of a loaded model described by `ReadyModel.info()` (or any dict with arch and parts)."""
    if not info:
        return frozenset()
    given = info.get("capabilities")
    if isinstance(given, (list, tuple, set, frozenset)):
        return frozenset(str(c) for c in given)
    parts = info.get("parts") or ()
    return capabilities(info.get("arch"), parts if isinstance(parts, (list, tuple, set, frozenset, dict)) else ())


def workspace_for(arch: str | None) -> str | None:
    """The workspace that opens a model whose main network is `arch` ("paint", "latent", ...), or None."""
    owner = family_of(arch)
    return owner.workspace if owner is not None and owner.main == arch else None


def workspace_for_file(arch: str | None, path: str | os.PathLike[str]) -> str | None:
    """The workspace for a model file: by its arch when the library read one from its header, else by a
    file name ending that only one family's official files use (".pkl": StyleGAN2); None when only
    loading can tell (a plain .pth state dict)."""
    if arch:
        return workspace_for(arch)
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    owner = next((f for f in REGISTRY if suffix and suffix in f.suffixes), None)
    return owner.workspace if owner is not None else None


def archs_for_workspace(workspace: str) -> tuple[str, ...]:
    """The main networks `workspace` opens, the one its bundled default should be first (default_rank)."""
    if workspace not in WORKSPACES:
        raise KeyError(f"unknown workspace {workspace!r}; known: {', '.join(WORKSPACES)}")
    members = sorted((f for f in REGISTRY if f.workspace == workspace), key=lambda f: f.default_rank)
    return tuple(f.main for f in members)


def describe_archs(archs: Iterable[str]) -> str:
    """'a SPADE, SEAN or OASIS model': the families of `archs` by display name in registry order, for messages."""
    wanted = {f.name for a in archs if (f := family_of(a)) is not None}
    names = [f.display_name for f in REGISTRY if f.name in wanted]
    if not names:
        return "a suitable model"
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    article = "an" if names[0][0].upper() in "AEIOU" else "a"
    return f"{article} {listed} model"


def needs_message(workspace: str) -> str:
    """Why a workspace refuses a model: 'painting needs a SPADE, SEAN or OASIS model'."""
    return f"{WORKSPACES[workspace]} needs {describe_archs(archs_for_workspace(workspace))}"


def importer_order() -> tuple[str, ...]:
    """Importer modules in the order detection tries them: every before/after constraint kept,
    otherwise the registry's order. ValueError names a cycle or an unknown importer."""
    declared = [i for f in REGISTRY for i in f.importers]
    rank = {i.module: n for n, i in enumerate(declared)}
    later: dict[str, set[str]] = {m: set() for m in rank}  # module -> those that must run after it
    for imp in declared:
        for other in imp.before:
            later[imp.module].add(other)
        for other in imp.after:
            later.setdefault(other, set()).add(imp.module)
    unknown = sorted(set(later) - set(rank) | {m for ms in later.values() for m in ms} - set(rank))
    if unknown:
        raise ValueError(f"ordering constraints name unknown importers: {', '.join(unknown)}")
    waiting = {m: sum(m in ms for ms in later.values()) for m in rank}
    order: list[str] = []
    while waiting:
        ready = [m for m, count in waiting.items() if count == 0]
        if not ready:
            raise ValueError(f"importer ordering constraints form a cycle among {', '.join(sorted(waiting))}")
        first = min(ready, key=rank.__getitem__)
        order.append(first)
        del waiting[first]
        for other in later[first]:
            waiting[other] -= 1
    return tuple(order)


def recipes() -> tuple[str, ...]:
    """The trainer's recipe modules (trainer.recipes.<name>), in registry order, each family's extra ones after its own."""
    return tuple(r for f in REGISTRY for r in ((f.recipe,) if f.recipe else ()) + f.extra_recipes)


def evaluations() -> dict[str, str]:
    """Main arch -> "trainer.evaluation.<module>:<function>" scoring such a model (declared relative to
    trainer.evaluation, so that no app module names the trainer, which the bundle leaves out)."""
    found = {}
    for f in REGISTRY:
        if f.evaluation:
            module, function = f.evaluation.rsplit(".", 1)
            found[f.main] = f"trainer.evaluation.{module}:{function}"
    return found


def sample_kind(arch: str | None) -> str | None:
    """The resources/samples/<kind> folder of inputs a model of `arch` takes, or None."""
    owner = family_of(arch)
    return owner.sample_kind if owner is not None and owner.main == arch else None


def translator(arch: str | None) -> str | None:
    """The "module:function" composing a translation direction for a model whose main network is `arch`, or None."""
    owner = family_of(arch)
    return owner.translator if owner is not None and owner.main == arch else None
