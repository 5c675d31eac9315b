"""The StarGAN attributes workspace: crop view, attribute toggles."""
