"""SPADE (GauGAN, NVlabs/SPADE): a photo from a label map; an optional VAE encoder takes a photo's style."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="spade",
    display_name="SPADE",
    summary="semantic image synthesis from label maps (SPADE / GauGAN)",
    networks=(
        Network("spade", "spade:SPADEGenerator", half_safe=True),
        Network("spade_encoder", "spade:ConvEncoder", role="encoder", half_safe=True),
        Network("spade_discriminator", "spade:MultiscaleDiscriminator", role="discriminator"),
    ),
    main="spade",
    importers=(Importer("spade"),),
    parts={"encoder": "spade_encoder"},
    capabilities=frozenset({"label_map_input", "style_image"}),
    capability_parts={"style_image": "encoder"},  # only a VAE-trained file carries the encoder
    session="ganstudio.engine.painting:PaintingSession",
    workspace="paint",
    default_rank=0,
    recipe="spade",
    evaluation="painting.evaluate_painting",
)
