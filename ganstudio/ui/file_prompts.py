"""Asking for a file to open or save and handing the answer on, as the image workspaces do.

The workspaces receive a `FileDialogs` (the window's Dialogs, or a scripted
one in tests); a cancelled dialog answers "" and then nothing happens.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol

from .dialogs import EXPORT_FILTER, IMAGE_FILTER

# StarGAN, pix2pix and CycleGAN come as state dicts; .pkl is StyleGAN's format, so it is not offered
STATE_DICT_MODEL_FILTER = "Models (*.safetensors *.pth *.pt *.ckpt);;All files (*)"

__all__ = ["EXPORT_FILTER", "IMAGE_FILTER", "STATE_DICT_MODEL_FILTER", "FileDialogs", "ask_open", "ask_save", "name_after"]


class FileDialogs(Protocol):
    def open_file(self, title: str, file_filter: str) -> str: ...
    def open_files(self, title: str, file_filter: str) -> list[str]: ...
    def save_file(self, title: str, file_filter: str, suggested: str = "") -> str: ...


def ask_open(dialogs: FileDialogs, title: str, file_filter: str, use: Callable[[str], object]) -> None:
    """Ask for a file to open; `use` gets its path unless the user cancels."""
    path = dialogs.open_file(title, file_filter)
    if path:
        use(path)


def ask_save(dialogs: FileDialogs, title: str, file_filter: str, suggested: str, use: Callable[[str], object]) -> None:
    """Ask where to save (proposing `suggested`); `use` gets the path unless the user cancels."""
    path = dialogs.save_file(title, file_filter, suggested)
    if path:
        use(path)


def name_after(source_path: str, suffix: str, fallback_stem: str) -> str:
    """A PNG name for a result made from `source_path`: "<stem><suffix>.png" ("<fallback_stem>..." without a source)."""
    return f"{Path(source_path).stem or fallback_stem}{suffix}.png"
