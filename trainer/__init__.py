"""The GAN Studio trainer: `ganstudio-train` (no Qt)."""
