"""The StyleGAN latent explorer workspace: controls, interpolation pad, favourites and the picture."""
