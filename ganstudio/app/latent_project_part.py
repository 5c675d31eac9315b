"""The Latent workspace's share of the project file: its favourites (latents and thumbnails)."""
from __future__ import annotations

from typing import Any

from ganstudio.document.project import Project

from .latent_viewmodel import LatentViewModel


class LatentProjectPart:
    def __init__(self, viewmodel: LatentViewModel) -> None:
        self.vm = viewmodel

    @property
    def is_modified(self) -> bool:
        return False  # favourites are kept with the painting's saves; adding one does not ask to save

    def mark_saved(self) -> None:
        pass

    def capture(self) -> dict[str, Any]:
        favourites, latents = self.vm.favourites_state()
        return {"latent_favourites": favourites, "latents": latents}

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        return self.vm.restore_favourites(project.latent_favourites, project.latents)
