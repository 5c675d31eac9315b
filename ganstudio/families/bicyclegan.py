"""BicycleGAN (junyanz/BicycleGAN): paired translation with many answers, a U-Net G(x, z) and a photo -> z encoder."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="bicyclegan",
    display_name="BicycleGAN",
    summary="paired image-to-image translation with many plausible outputs per input (a latent style code z)",
    networks=(
        Network("bicyclegan_unet", "bicyclegan:BicycleGenerator"),
        Network("bicyclegan_encoder", "bicyclegan:ResNetEncoder", role="encoder"),
    ),
    main="bicyclegan_unet",
    # G_Unet_add_all's keys (model.down.0, model.submodule...) are its own; the add-input U-Net's
    # (model.model.0...) look like pix2pix's, told apart by the first conv's extra z channels and biases,
    # so BicycleGAN's detector runs first
    importers=(Importer("bicyclegan", before=("pix2pix", "patchgan")),),
    parts={"encoder": "bicyclegan_encoder"},
    capabilities=frozenset({"image_translation", "style_code", "style_image"}),
    capability_parts={"style_image": "encoder"},  # only a file joined with latest_net_E.pth encodes photos
    session="ganstudio.engine.translate:TranslateSession",
    workspace="convert",
    default_rank=4,
    recipe="bicyclegan",
    evaluation="multimodal.evaluate_bicyclegan",
    sample_kind="label-maps",
    translator="bicyclegan:translator",
)
