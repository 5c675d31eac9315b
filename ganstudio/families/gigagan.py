"""GigaGAN-style text to image (Kang et al. 2023): our StyleGAN2 with text cross-attention and adaptive kernels."""
from .declaration import Family, Network

FAMILY = Family(
    name="gigagan",
    display_name="GigaGAN",
    summary="text to image: a StyleGAN2 generator with text cross-attention and sample-adaptive kernels (GigaGAN-style)",
    networks=(
        # no published weights: native files only; float32 (StyleGAN2's mapping loses too much in half precision)
        Network("gigagan", "gigagan:TextStyleGenerator", native_only=True),
        Network("gigagan_discriminator", "gigagan:MultiScaleTextDiscriminator", role="discriminator", native_only=True),
    ),
    main="gigagan",
    capabilities=frozenset({"text_input"}),
    session="ganstudio.engine.describe:DescribeSession",
    workspace="describe",
    default_rank=2,
    recipe="gigagan",
    evaluation="text_to_image.evaluate_text_to_image",
)
