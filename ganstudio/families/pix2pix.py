"""pix2pix (junyanz/pytorch-CycleGAN-and-pix2pix): paired translation with a U-Net, judged by a PatchGAN.

The PatchGAN discriminator is declared here, where the paper introduced it;
CycleGAN trains with the same network.
"""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="pix2pix",
    display_name="pix2pix",
    summary="paired image-to-image translation (e.g. label map -> photo), U-Net + PatchGAN",
    networks=(
        Network("pix2pix_unet", "pix2pix:UnetGenerator", half_safe=True),
        Network("patchgan", "patchgan:NLayerDiscriminator", role="discriminator"),
    ),
    main="pix2pix_unet",
    importers=(
        Importer("pix2pix"),
        # any state whose first layer is a 4x4 conv with a bias passes for a PatchGAN: after
        # the generators of the same code base, whose keys start with model. too
        Importer("patchgan", after=("pix2pix", "cyclegan")),
    ),
    capabilities=frozenset({"image_translation", "reference_test_mode"}),
    session="ganstudio.engine.translate:TranslateSession",
    workspace="convert",
    default_rank=1,
    recipe="pix2pix",
    evaluation="painting.evaluate_painting",  # the bundled one paints colour label maps
    sample_kind="label-maps",
)
