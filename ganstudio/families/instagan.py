"""InstaGAN (sangwoomo/instagan): instance-aware unpaired translation, an image and its instance masks."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="instagan",
    display_name="InstaGAN",
    summary="unpaired translation that keeps track of object instances given as masks (e.g. sheep <-> giraffes)",
    networks=(
        Network("instagan_generator", "instagan:ResnetSetGenerator"),
        Network("instagan_discriminator", "instagan:NLayerSetDiscriminator", role="discriminator"),
    ),
    main="instagan_generator",
    importers=(Importer("instagan", before=("patchgan",)),),  # PatchGAN reads any leftover conv stack: last
    parts={"reverse": "instagan_generator"},
    capabilities=frozenset({"instance_translation", "reverse_direction"}),
    capability_parts={"reverse_direction": "reverse"},
    session="ganstudio.engine.instance_session:InstanceTranslateSession",
    workspace="convert",
    default_rank=5,  # after CycleGAN, pix2pix, MUNIT, UNIT and BicycleGAN: Convert starts with CycleGAN
    recipe="instagan",
    evaluation="instances.evaluate_instagan",
    sample_kind="instances",  # its bundled model turns the trees of these landscape photos into rocks
)
