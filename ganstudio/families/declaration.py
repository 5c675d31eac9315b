"""What a family declaration holds: plain data only (strings, tuples, booleans).

Every layer reads these records (models, checkpoints, engine, app, ui, trainer),
so this module imports the standard library only: a name of a class, importer,
session or recipe is a string that the layer owning it resolves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

# The workspaces a family's main network can open in (ids shared with the window and the
# model library), and how an error message names the task of each.
WORKSPACES: Mapping[str, str] = {
    "paint": "painting",
    "latent": "the latent explorer",
    "attributes": "attribute editing",
    "convert": "conversion",
    "describe": "text to image",
    "layout": "layout to image",
}

# What a family's main network can do. Code asks these instead of comparing names.
CAPABILITIES: Mapping[str, str] = {
    "label_map_input": "makes a photo from a semantic label map (the Paint workspace)",
    "style_image": "takes one style for the whole picture from a photo, through an encoder (SPADE needs its `encoder` part)",
    "style_code": "translates with a style code: random codes give different outputs for one input, and codes interpolate (MUNIT, BicycleGAN)",
    "region_styles": "holds one style code per class region, each from its own source (a photo through its encoder, or random)",
    "noise_reroll": "draws its variety from a per-pixel noise map, so one region can be re-rolled alone",
    "multimodal": "gives different photos for one input from random noise, with no encoder",
    "latent_space": "renders from a latent vector (seeds, truncation, style mixing, interpolation)",
    "z_only_latent": "its latent is z alone, with no mapping network: seeds and interpolation, but no W controls (mixing, noise, psi, directions, projection)",
    "growth_stages": "grew scale by scale and keeps an output layer per scale, so each growth stage's picture can be shown (ProGAN)",
    "attribute_editing": "changes named attributes of a face photo",
    "attribute_detection": "tells which attributes a photo has (StarGAN needs its `discriminator` part)",
    "image_translation": "converts a photo of one domain into another (the Convert workspace)",
    "instance_translation": "translates a photo together with its object instances, one mask each, and gives the translated masks (InstaGAN)",
    "layout_input": "makes a picture from a layout of labelled boxes, one latent per object and one for the scene (LostGAN)",
    "reverse_direction": "converts back, B to A, as well (CycleGAN needs its `reverse` part)",
    "text_input": "makes pictures from a typed sentence, through its own text encoder and vocabulary (the Describe workspace)",
    "reference_test_mode": "can run as the reference's test script does (dropout and batch statistics on)",
    "photo_encoder": "maps a photo to its latent in one pass (pSp / e4e files: StyleGAN2 needs its `encoder` part)",
    "weight_refinement": "refines a photo's inversion with per-photo weight offsets (HyperStyle: needs its `hypernet` part)",
}

# Roles of a family's networks; only a "generator" is ever a family's main network.
ROLES = ("generator", "encoder", "discriminator")


@dataclass(frozen=True)
class Network:
    """One architecture name written in files, and the class that builds it."""

    arch: str
    target: str  # "module:Class" inside ganstudio.models
    role: str = "generator"
    # fp16 + channels_last on CUDA: the layers are normalised, so activations stay in range
    half_safe: bool = False
    # no published file format: only native files hold it (the studio's own StyleGAN2 encoder), so no importer detects it
    native_only: bool = False


@dataclass(frozen=True)
class Importer:
    """A detector of official files, ganstudio.checkpoints.importers.<module>.detect(state, hints).

    Detectors run in one order for every file; `before` / `after` name the
    importers whose files look alike, so the more specific one goes first. Without
    a constraint the registry's order decides.
    """

    module: str
    before: tuple[str, ...] = ()  # importer modules that must be tried after this one
    after: tuple[str, ...] = ()  # importer modules that must be tried before this one


@dataclass(frozen=True)
class Family:
    """Everything the application and the trainer need to know about one family of GANs."""

    name: str  # lower case, used in code and file names ("sean")
    display_name: str  # as the user reads it ("SEAN", "pix2pix")
    summary: str  # one line: what it does (trainer help, docs)
    networks: tuple[Network, ...]
    main: str  # the arch of the network a workspace runs; a file whose arch is this belongs here
    importers: tuple[Importer, ...] = ()
    # companion networks a native file may carry beside the main one: part name -> arch
    parts: Mapping[str, str] = field(default_factory=dict)
    capabilities: frozenset[str] = frozenset()
    # a capability that only a file with this part has: capability -> part name
    capability_parts: Mapping[str, str] = field(default_factory=dict)
    session: str | None = None  # "module:Class" of the engine session that runs it
    workspace: str | None = None  # a WORKSPACES key
    # among one workspace's bundled models, the lower rank is the one it starts with
    default_rank: int = 0
    recipe: str | None = None  # trainer.recipes.<recipe>
    # further recipes training a companion network for a trained main one (StyleGAN2's encoder)
    extra_recipes: tuple[str, ...] = ()
    # "<module>.<function>" inside trainer.evaluation scoring a bundled model (relative, so the app
    # never names a trainer module: the bundle leaves the trainer out)
    evaluation: str | None = None
    sample_kind: str | None = None  # resources/samples/<kind>: inputs its bundled model takes
    # "module:function" inside ganstudio.models that composes one translation direction from the
    # main network and its parts, function(main, parts, direction) -> nn.Module (MUNIT: A's content
    # encoder + B's decoder; see models/styled_translation.py). None: the main network is A->B and a
    # "reverse" part B->A (pix2pix, CycleGAN)
    translator: str | None = None
    # file name endings that only this family's official files use (StyleGAN2's network pickles):
    # such a file goes to the family's workspace before it is loaded and its arch is known
    suffixes: tuple[str, ...] = ()

    def network(self, arch: str) -> Network | None:
        return next((n for n in self.networks if n.arch == arch), None)

    @property
    def archs(self) -> tuple[str, ...]:
        return tuple(n.arch for n in self.networks)
