"""OASIS (boschresearch/OASIS): a photo from a label map with 3D noise; no encoder, no perceptual loss."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="oasis",
    display_name="OASIS",
    summary="semantic image synthesis with adversarial supervision only and 3D noise (OASIS)",
    networks=(
        # fp32 on CUDA until measured there: see docs/adding-a-family.md (half precision)
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
    evaluation=None,  # trainer/evaluation/painting.py has no OASIS painter yet
)
