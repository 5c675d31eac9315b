"""StyleGAN2-ADA (NVlabs/stylegan2-ada-pytorch): unconditional images from a latent space."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="stylegan2",
    display_name="StyleGAN2",
    summary="unconditional image generation (StyleGAN2-ADA)",
    networks=(
        # not half-safe: the reference runs only its top layers in fp16 with activation clamping,
        # and the mapping network's learning-rate-scaled weights lose too much in half precision
        Network("stylegan2", "stylegan2:Generator"),
        Network("stylegan2_discriminator", "stylegan2:Discriminator", role="discriminator"),
        # image -> ws for one generator (pSp/e4e); its own file, trained by the `encoder` recipe
        Network("stylegan2_encoder", "stylegan2_encoder:StyleGAN2Encoder", role="encoder", native_only=True),
    ),
    main="stylegan2",
    # NVlabs' state dicts and .pkl snapshots; rosinality/stylegan2-pytorch's community layout
    # (style.<i>, convs.<i>) converts to the same modules
    importers=(Importer("stylegan2"), Importer("rosinality_stylegan2")),
    capabilities=frozenset({"latent_space"}),
    session="ganstudio.engine.latent:LatentSession",
    workspace="latent",
    recipe="stylegan2",
    extra_recipes=("encoder",),  # an image -> ws encoder for a trained generator
    evaluation="generation.evaluate_stylegan2",
    suffixes=(".pkl",),  # the reference's network snapshots (read by a restricted unpickler)
)
