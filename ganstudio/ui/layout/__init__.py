"""The Layout workspace: labelled boxes in, a LostGAN picture out."""
