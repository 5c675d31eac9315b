"""One module per recipe, each with `add_arguments(parser)` and `run(args) -> exit status`.

The recipe names come from the family declarations (`ganstudio.families`, each
family's `recipe`): spade, sean, oasis, stylegan2, stargan, pix2pix, cyclegan.
The CLI offers those whose module exists.
"""
from ganstudio.families import recipes

RECIPES: tuple[str, ...] = recipes()
