"""StarGAN (yunjey/stargan): flips named attributes of a face; its discriminator tells which a photo has."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="stargan",
    display_name="StarGAN",
    summary="multi-attribute face editing from a CelebA-style attribute list",
    networks=(
        Network("stargan", "stargan:Generator", half_safe=True),
        Network("stargan_discriminator", "stargan:Discriminator", role="discriminator"),
    ),
    main="stargan",
    importers=(Importer("stargan"),),
    parts={"discriminator": "stargan_discriminator"},
    capabilities=frozenset({"attribute_editing", "attribute_detection"}),
    capability_parts={"attribute_detection": "discriminator"},
    session="ganstudio.engine.attributes:AttributeSession",
    workspace="attributes",
    recipe="stargan",
    evaluation="face_edits.evaluate_stargan",
    sample_kind="faces",
)
