"""Read and write model weights: the native safetensors format and the official files.

Public API: ``load_model``, ``save_model``, ``LoadedModel``, ``CheckpointError``.
Loading never executes code from a file.
"""
from .errors import CheckpointError
from .loaded import LoadedModel
from .loader import load_model
from .native import save_model

__all__ = ["CheckpointError", "LoadedModel", "load_model", "save_model"]
