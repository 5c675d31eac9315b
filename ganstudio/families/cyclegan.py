"""CycleGAN (junyanz/pytorch-CycleGAN-and-pix2pix): unpaired translation; a file may hold both directions."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="cyclegan",
    display_name="CycleGAN",
    summary="unpaired translation between two image domains (e.g. summer <-> winter)",
    networks=(Network("cyclegan_resnet", "cyclegan:ResnetGenerator", half_safe=True),),
    main="cyclegan_resnet",
    importers=(Importer("cyclegan"),),
    parts={"reverse": "cyclegan_resnet"},
    capabilities=frozenset({"image_translation", "reverse_direction"}),
    capability_parts={"reverse_direction": "reverse"},
    session="ganstudio.engine.translate:TranslateSession",
    workspace="convert",
    default_rank=0,
    recipe="cyclegan",
    evaluation="domains.evaluate_cyclegan",
    sample_kind="landscapes",
)
