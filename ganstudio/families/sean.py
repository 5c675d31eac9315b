"""SEAN (ZPdesu/SEAN): SPADE with one style code per class region, from its built-in encoder."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="sean",
    display_name="SEAN",
    summary="semantic image synthesis with per-region styles (SEAN)",
    networks=(Network("sean", "sean:SEANGenerator", half_safe=True),),
    main="sean",
    # SEAN's ACE blocks hold SPADE's sublayers under other names (head_0.ace_0.Spade.mlp_shared...):
    # the more specific detector goes first, so a looser SPADE detector could never take a SEAN file
    importers=(Importer("sean", before=("spade",)),),
    capabilities=frozenset({"label_map_input", "region_styles"}),
    session="ganstudio.engine.painting:PaintingSession",
    workspace="paint",
    default_rank=1,
    recipe="sean",
    evaluation="painting.evaluate_painting",
)
