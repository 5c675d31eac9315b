"""OASIS (boschresearch/OASIS): a photo from a label map with 3D noise; no encoder, no perceptual loss."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="oasis",
    display_name="OASIS",
    summary="semantic image synthesis with adversarial supervision only and 3D noise (OASIS)",
    networks=(
        # not half-safe: a trained, non-averaged G's last layers carry activations over 100 whose
        # small differences float16 cannot resolve (docs/adding-a-family.md, Half precision)
        Network("oasis", "oasis:OASISGenerator"),
        Network("oasis_discriminator", "oasis:OASISDiscriminator", role="discriminator"),
    ),
    main="oasis",
    # its blocks are body.<i> where SPADE and SEAN have head_0: no overlap, no constraint
    importers=(Importer("oasis"),),
    capabilities=frozenset({"label_map_input", "noise_reroll", "multimodal"}),
    session="ganstudio.engine.painting:PaintingSession",
    workspace="paint",
    default_rank=2,
    recipe="oasis",
    evaluation="painting.evaluate_painting",
)
