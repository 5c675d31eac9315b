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
        # the published encoders: pSp / e4e (one class, e4e's reading a flag) and HyperStyle's W encoder,
        # the part "encoder" of a pSp / e4e file; HyperStyle's hypernetwork, the part "hypernet"
        Network("psp_encoder", "e4e:GradualStyleEncoder", role="encoder"),
        Network("psp_w_encoder", "e4e:WEncoder", role="encoder"),
        Network("hyperstyle_hypernet", "hyperstyle:HyperNetwork", role="encoder"),
    ),
    main="stylegan2",
    # NVlabs' state dicts and .pkl snapshots; rosinality/stylegan2-pytorch's community layout
    # (style.<i>, convs.<i>) converts to the same modules
    # pSp / e4e / HyperStyle files hold a rosinality generator as decoder.* beside their own networks:
    # their importers go first, so the plain rosinality importer never takes only the decoder
    importers=(Importer("stylegan2"), Importer("e4e", before=("rosinality_stylegan2",)),
               Importer("hyperstyle", before=("rosinality_stylegan2",)), Importer("rosinality_stylegan2")),
    parts={"encoder": "psp_encoder", "hypernet": "hyperstyle_hypernet"},  # "encoder" may be a psp_w_encoder too
    capabilities=frozenset({"latent_space", "photo_encoder", "weight_refinement"}),
    capability_parts={"photo_encoder": "encoder", "weight_refinement": "hypernet"},
    session="ganstudio.engine.latent:LatentSession",
    workspace="latent",
    recipe="stylegan2",
    extra_recipes=("encoder",),  # an image -> ws encoder for a trained generator
    evaluation="generation.evaluate_stylegan2",
    suffixes=(".pkl",),  # the reference's network snapshots (read by a restricted unpickler)
)
