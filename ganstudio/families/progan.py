"""Progressive GAN (Karras et al. 2018; facebookresearch/pytorch_GAN_zoo's PGAN): images from z, grown scale by scale."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="progan",
    display_name="ProGAN",
    summary="unconditional image generation from a latent z, grown from 4x4 to full size (Progressive GAN)",
    networks=(
        # not half-safe: equalized layers scale activations at run time; no float16 comparison on real weights yet
        Network("progan", "progan:ProGANGenerator"),
        Network("progan_discriminator", "progan:ProGANDiscriminator", role="discriminator", native_only=True),  # the trainer's; no importer reads discriminator files yet
    ),
    main="progan",
    # pytorch_GAN_zoo's {config, netG, netD, avgG} (its `config` a pickled class read as inert data)
    importers=(Importer("progan", before=("dcgan", "patchgan")),),
    capabilities=frozenset({"latent_space", "z_only_latent", "growth_stages"}),
    session="ganstudio.engine.z_latent:ZLatentSession",
    workspace="latent",
    default_rank=1,
    recipe="progan",
    evaluation="z_generation.evaluate_z_generator",
)
