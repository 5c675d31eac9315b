"""UNIT (mingyuliutw/UNIT): unpaired translation through a shared latent space; a file holds both domains' VAEs."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="unit",
    display_name="UNIT",
    summary="unpaired translation through a latent space shared by two domains (VAE-GANs)",
    networks=(Network("unit", "unit:VAEGen"),),
    main="unit",
    importers=(Importer("unit"),),
    parts={"domain_b": "unit"},  # gen_b: domain B's VAE (the main network is gen_a)
    capabilities=frozenset({"image_translation", "reverse_direction"}),
    session="ganstudio.engine.translate:TranslateSession",
    workspace="convert",
    default_rank=3,
    recipe="unit",
    evaluation="multimodal.evaluate_unit",
    sample_kind="landscapes",
    translator="unit:translator",
)
