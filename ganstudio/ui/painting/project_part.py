"""The painting's share of the project file: label map, model, region styles and how the view was left."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganstudio.document.labelmap import LabelMap
from ganstudio.document.project import ModelReference, Project

if TYPE_CHECKING:
    from .workspace import PaintingWorkspace


class PaintingProjectPart:
    def __init__(self, workspace: "PaintingWorkspace") -> None:
        self.workspace = workspace

    @property
    def is_modified(self) -> bool:
        return self.workspace.vm.is_modified

    def mark_saved(self) -> None:
        self.workspace.vm.mark_saved()

    def capture(self) -> dict[str, Any]:
        ws = self.workspace
        vm = ws.vm
        styles, arrays = vm.style_state()
        model = ModelReference(ws.synthesis.path, ws.synthesis.arch) if ws.synthesis.path else None
        return {
            "label_map": LabelMap(vm.labels, vm.palette),
            "model": model,
            "view": {"zoom": ws.canvas.zoom, "overlay_opacity": ws.canvas.overlay_opacity, "split": ws.act_split.isChecked(),
                     "current_class": vm.current_class, "brush_size": vm.brush_size},
            "region_styles": styles,
            "style_codes": arrays,
            "workspace": {"active": "painting"},
        }

    def restore(self, project: Project, *, modified: bool) -> list[str]:
        ws = self.workspace
        vm = ws.vm
        if project.label_map is not None:
            vm.set_palette_and_labels(project.label_map.palette, project.label_map.ids, modified=modified)  # ValueError: refused
        view = project.view or {}
        vm.set_brush_size(int(view.get("brush_size", vm.brush_size)))
        if "current_class" in view:
            vm.set_current_class(int(view["current_class"]))
        ws.tools_panel.opacity_slider.setValue(round(float(view.get("overlay_opacity", 1.0)) * 100))
        ws.act_split.setChecked(bool(view.get("split", False)))
        ws.set_compare_split(ws.act_split.isChecked())
        vm.restore_style_state(project.region_styles or {}, dict(project.style_codes))
        problems = []
        if project.model is not None and project.model.path and project.model.path != ws.synthesis.path:
            if Path(project.model.path).exists():
                ws.modelRequested.emit(project.model.path)  # the window routes it (and keeps it from being replaced by a default)
            else:
                problems.append(f"The project's model {project.model.path} was not found; open it from the Model menu")
        ws.starter_document = False
        ws.canvas.fit()
        return problems
