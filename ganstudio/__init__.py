"""GAN Studio: a desktop studio for making pictures with GANs."""

__version__ = "0.1.0"
