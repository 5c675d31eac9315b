"""MUNIT (NVlabs/MUNIT): multimodal unpaired translation; a file holds both domains' auto-encoders."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="munit",
    display_name="MUNIT",
    summary="multimodal unpaired translation: one content, many styles per domain (e.g. summer <-> winter in several looks)",
    networks=(Network("munit", "munit:AdaINGen"),),
    main="munit",
    # UNIT's keys (enc./dec.) and MUNIT's (enc_content./enc_style./mlp.) never overlap, and no other
    # family's file has an `a.`/`b.` pair of them; said anyway so the order never depends on the registry's
    importers=(Importer("munit", before=("unit",)),),
    parts={"domain_b": "munit"},  # gen_b: domain B's auto-encoder (the main network is gen_a)
    capabilities=frozenset({"image_translation", "reverse_direction", "style_code", "style_image"}),
    session="ganstudio.engine.translate:TranslateSession",
    workspace="convert",
    default_rank=2,
    recipe="munit",
    evaluation="multimodal.evaluate_munit",
    sample_kind="landscapes",
    translator="munit:translator",
)
