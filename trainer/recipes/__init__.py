"""One module per recipe, each with `add_arguments(parser)` and `run(args) -> exit status`."""
RECIPES = ("pix2pix", "cyclegan", "stargan", "spade", "sean", "stylegan2")
