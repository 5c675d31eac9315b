"""GAN-INT-CLS (Reed et al. 2016): images from a sentence, with a text encoder trained by the studio."""
from .declaration import Family, Network

FAMILY = Family(
    name="gan_int_cls",
    display_name="GAN-INT-CLS",
    summary="text to image: a sentence embedding joined to the noise of a DCGAN generator (Reed et al. 2016)",
    networks=(
        # the published files are Lua Torch7 with no weights in any port: native files only.
        # BatchNorm generator trained here only; not measured in half precision, so float32
        Network("gan_int_cls", "gan_int_cls:TextToImageGenerator", native_only=True),
        Network("gan_int_cls_discriminator", "gan_int_cls:MatchingDiscriminator", role="discriminator", native_only=True),
    ),
    main="gan_int_cls",
    capabilities=frozenset({"text_input"}),
    session="ganstudio.engine.describe:DescribeSession",
    workspace="describe",
    default_rank=1,
    recipe="gan_int_cls",
    evaluation="text_to_image.evaluate_text_to_image",
)
