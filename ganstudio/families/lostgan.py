"""LostGAN-v2 (WillSuen/LostGANs): an image from a layout of boxes, each with a class and its own latent."""
from .declaration import Family, Importer, Network

FAMILY = Family(
    name="lostgan",
    display_name="LostGAN-v2",
    summary="an image from a layout of labelled boxes, each object with its own latent and a learned mask",
    networks=(
        # not half-safe: no float16 comparison on the published weights has been made
        Network("lostgan_generator", "lostgan:LostGANGenerator"),
    ),
    main="lostgan_generator",
    importers=(Importer("lostgan", before=("patchgan",)),),  # label_embedding + mask_regress keys are its own; PatchGAN reads leftovers: last
    capabilities=frozenset({"layout_input"}),
    session="ganstudio.engine.layout:LayoutSession",
    workspace="layout",  # the Layout workspace: draw labelled boxes, get a picture
    recipe="lostgan",
    evaluation="layouts.evaluate_lostgan",
)
