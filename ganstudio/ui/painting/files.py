"""The painting document's file commands: new, open, save, label maps, reference photos, export and recovery.

The project document (`app.project_document`) does the reading, writing and
snapshots; this asks the user for names and answers and says what happened.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ganstudio.app.painting_export import export_sizes
from ganstudio.app.project_document import PROJECT_SUFFIX
from ganstudio.document.errors import DocumentError
from ganstudio.document.image_io import open_image, read_label_map, read_photo, write_label_map
from ganstudio.document.labelmap import LabelMap

from ..dialogs import EXPORT_FILTER, IMAGE_FILTER, LABEL_FILTER, PROJECT_FILTER

if TYPE_CHECKING:
    from .workspace import PaintingWorkspace

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".webp")


class PaintingFiles:
    def __init__(self, workspace: "PaintingWorkspace") -> None:
        self.workspace = workspace
        self.document = workspace.document
        self.dialogs = workspace.dialogs

    # ------------------------------------------------------------------ open
    def open_path(self, path: str) -> bool:
        """Open a project, a label map or a photo (as the reference) from `path`."""
        suffix = Path(path).suffix.lower()
        if suffix == PROJECT_SUFFIX:
            return self.open_project(path)
        if suffix in PHOTO_SUFFIXES or self._looks_like_photo(path):
            return self.open_reference(path)
        return self.open_label_map(path)

    @staticmethod
    def _looks_like_photo(path: str) -> bool:
        """An RGB image with many colours is a photo; few colours make it a colour-coded label map."""
        try:
            image = open_image(path)
        except DocumentError:
            return False  # let the label-map reader name the problem
        if image.mode not in ("RGB", "RGBA"):
            return False
        return image.convert("RGB").getcolors(maxcolors=1024) is None

    def confirm_discard(self) -> bool:
        """True when the open work may be replaced: it is saved, the user saved it now, or chose to discard it."""
        if not self.document.is_modified:
            return True
        answer = self.dialogs.ask_unsaved(self.document.title)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_document(self) -> None:
        if not self.confirm_discard():
            return
        vm = self.workspace.vm
        vm.new_document(vm.width, vm.height)
        self.workspace.starter_document = False
        self.document.set_path(None)

    def open_project(self, path: str) -> bool:
        if not self.confirm_discard():
            return False
        if not self.document.open(path):
            return False
        return True

    def open_label_map_dialog(self) -> None:
        path = self.dialogs.open_file("Open label map", LABEL_FILTER)
        if path:
            self.open_label_map(path)

    def open_label_map(self, path: str) -> bool:
        ws = self.workspace
        if not self.confirm_discard():
            return False
        try:
            loaded = read_label_map(path, ws.vm.palette)
            ws.vm.set_labels(loaded.labelmap.ids)
        except (DocumentError, ValueError) as exc:
            ws.failed.emit("Cannot open the label map", f"{exc}\nYour current painting is unchanged.")
            return False
        ws.starter_document = False
        self.document.set_path(path)
        ws.canvas.fit()
        ws.notice.emit(f"Opened {Path(path).name} ({loaded.kind})" + (": " + "; ".join(loaded.notes) if loaded.notes else ""))
        return True

    def open_reference_dialog(self) -> None:
        path = self.dialogs.open_file("Reference photo", IMAGE_FILTER)
        if path:
            self.open_reference(path)

    def open_reference(self, path: str) -> bool:
        ws = self.workspace
        try:
            photo = read_photo(path, keep_alpha=False)
        except DocumentError as exc:
            ws.failed.emit("Cannot open the photo", str(exc))
            return False
        if photo.pixels.shape[:2] != ws.vm.labels.shape:
            from PIL import Image

            resized = Image.fromarray(photo.pixels[..., :3]).resize((ws.vm.width, ws.vm.height), Image.Resampling.BILINEAR)
            ws.vm.set_reference(np.asarray(resized))
            ws.notice.emit(f"Reference photo {Path(path).name} scaled to {ws.vm.width}x{ws.vm.height}")
        else:
            ws.vm.set_reference(photo.pixels)
        slider = ws.tools_panel.opacity_slider
        slider.setValue(min(slider.value(), 60))
        return True

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if not self.document.is_project_file:
            return self.save_as()
        return self.document.save(str(self.document.path))

    def save_as(self) -> bool:
        path = self.dialogs.save_file("Save project", PROJECT_FILTER, "untitled.gstudio")
        if not path:
            return False
        if not path.lower().endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return self.document.save(path)

    def save_label_map_dialog(self) -> None:
        ws = self.workspace
        path = self.dialogs.save_file("Save label map", LABEL_FILTER, "labels.png")
        if not path:
            return
        try:
            write_label_map(path, LabelMap(ws.vm.labels, ws.vm.palette))
        except (DocumentError, OSError) as exc:
            ws.failed.emit("Cannot save the label map", str(exc))
            return
        ws.notice.emit(f"Saved label map {Path(path).name}")

    # ------------------------------------------------------------------ export
    def export_dialog(self) -> None:
        """Ask for the size (model output, or the canvas size resampled or synthesized), then where to write."""
        ws = self.workspace
        if ws.vm.output is None:
            ws.notice.emit("There is no output to export yet: load a model and paint")
            return
        sizes = export_sizes(ws.synthesis.info, ws.vm.output.shape, (ws.vm.width, ws.vm.height))
        choice = 0
        if len(sizes) > 1:
            keys = [size.key for size in sizes]
            last = str(ws.settings.value("painting/export_size", "native", str))
            picked = self.dialogs.choose("Export output", "Size of the exported picture:", [size.label for size in sizes], keys.index(last) if last in keys else 0)
            if picked is None:
                return
            choice = picked
            ws.settings.setValue("painting/export_size", keys[choice])
        path = self.dialogs.save_file("Export output", EXPORT_FILTER, "output.png")
        if path:
            self.export_output(path, sizes[choice].key)

    def export_output(self, path: str, size: str = "native") -> bool:
        """Write the output at `size` ("native", "resampled" or "synthesized"), with every setting in its text chunks."""
        ws = self.workspace
        if ws.vm.output is None:
            return False
        sizes = {option.key: option for option in export_sizes(ws.synthesis.info, ws.vm.output.shape, (ws.vm.width, ws.vm.height))}
        if size not in sizes:
            ws.failed.emit("Cannot export", f"This model cannot export at the size asked for ({size}); the choices are: {', '.join(sizes)}")
            return False
        if sizes[size].key == "synthesized":
            ws.notice.emit(f"Synthesizing {sizes[size].width}x{sizes[size].height} for {Path(path).name}...")
        return ws.exporter.export(path, sizes[size], ws.synthesis.info)

    # ------------------------------------------------------------------ recovery
    def offer_recovery(self) -> bool:
        """After a crash: offer the newest autosaved document. True if one was recovered."""
        snapshots = self.document.recoverable()
        if not snapshots:
            return False
        newest = snapshots[0]
        if not self.dialogs.ask_recover(f"{newest.title} (autosaved {_ago(newest.saved_at)})"):
            self.document.discard(snapshots)
            return False
        if not self.document.recover(newest):
            return False
        self.workspace.starter_document = False
        return True


def _ago(timestamp: float) -> str:
    minutes = max(0, int((time.time() - timestamp) // 60))
    return "just now" if minutes == 0 else f"{minutes} min ago"
