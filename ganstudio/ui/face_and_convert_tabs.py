"""Adds the Attributes (StarGAN) and Convert (pix2pix / CycleGAN) workspaces to the studio window.

Kept apart from the window so that the window only creates this object and
asks it, when a model file is opened, whether one of these workspaces takes it.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTabWidget

from ganstudio import families
from ganstudio.app.attributes_viewmodel import AttributesViewModel
from ganstudio.app.converter_viewmodel import ConverterViewModel
from ganstudio.app.inference import InferenceController

from .attributes.workspace import AttributesWorkspace
from .convert.workspace import ConverterWorkspace
from .file_prompts import FileDialogs
from .icons import icon


class FaceAndConvertTabs(QObject):
    def __init__(self, tabs: QTabWidget, controller: InferenceController, dialogs: FileDialogs, notify: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self.attributes_vm = AttributesViewModel(controller, self)
        self.converter_vm = ConverterViewModel(controller, self)
        self.attributes = AttributesWorkspace(self.attributes_vm, dialogs)
        self.converter = ConverterWorkspace(self.converter_vm, dialogs)
        tabs.addTab(self.attributes, icon("fa5s.user-edit"), AttributesWorkspace.title)
        tabs.addTab(self.converter, icon("fa5s.exchange-alt"), ConverterWorkspace.title)
        self.attributes.notice.connect(notify)
        self.converter.notice.connect(notify)
        for slot in (self.attributes_vm.model, self.converter_vm.model):
            slot.modelChanged.connect(lambda info: notify(f"Loaded {info.get('name')} on {info.get('device', 'the worker')}") if info else None)

    def route_model(self, path: str, arch: str) -> str:
        """Load `path` in the workspace for its architecture and show it; that workspace's name, or "" if neither takes it.

        A file whose architecture is not known before loading (an official
        checkpoint) goes to whichever of these workspaces is showing.
        """
        current = self.tabs.currentWidget()
        workspace = families.workspace_for(arch)  # from the family declarations
        if workspace == "attributes" or (not arch and current is self.attributes):
            self.attributes_vm.load_model(path)
            self.tabs.setCurrentWidget(self.attributes)
            return "attributes"
        if workspace == "convert" or (not arch and current is self.converter):
            self.converter_vm.load_model(path)
            self.tabs.setCurrentWidget(self.converter)
            return "convert"
        return ""
