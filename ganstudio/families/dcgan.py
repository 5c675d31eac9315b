"""DCGAN (Radford et al. 2016) and its WGAN-GP training (Gulrajani et al. 2017): unconditional images from z."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="dcgan",
    display_name="DCGAN",
    summary="unconditional image generation from a latent z (DCGAN; WGAN-GP trains the same generator)",
    networks=(
        # not half-safe: no float16 comparison on real weights has been made (no weights are published)
        Network("dcgan", "dcgan:DCGANGenerator"),
        Network("dcgan_discriminator", "dcgan:DCGANDiscriminator", role="discriminator", native_only=True),  # the trainer's; no importer reads discriminator files yet
    ),
    main="dcgan",
    # pytorch/examples' netG_epoch_N.pth and Lornatang's WGAN-GP file: plain `main.<i>` state dicts. ProGAN's keys
    # (formatLayer., toRGBLayers.) never overlap; StarGAN's main.* files would be refused by its importer as a
    # StarGAN of 509 classes, so this (stricter) detector runs first
    importers=(Importer("dcgan", after=("progan",), before=("stargan", "patchgan")),),
    # Z only: no mapping network, so the explorer's W controls (mixing, noise, psi, directions) do not apply
    capabilities=frozenset({"latent_space", "z_only_latent"}),
    session="ganstudio.engine.z_latent:ZLatentSession",
    workspace="latent",
    default_rank=2,
    recipe="dcgan",
    extra_recipes=("wgan_gp",),  # the same generator trained with a batch-norm-free critic and a gradient penalty
    evaluation="z_generation.evaluate_z_generator",
)
