"""The pix2pix / CycleGAN converter workspace: compare view, folder runs (shared with attributes)."""
