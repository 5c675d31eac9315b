"""Synthetic training data that needs no download.

`landscapes` renders procedural landscapes (class-id label map + photo) with
layout and appearance seeded separately; `faces` renders procedural faces with
CelebA-style attributes. Both are numpy-vectorised over whole batches.
"""
