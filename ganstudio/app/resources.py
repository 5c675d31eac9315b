"""Where the shipped resources (bundled models, samples) are.

A source checkout or editable install has them in the repository's
`resources/`; a wheel installs them as data files under
`<prefix>/share/ganstudio/` (see pyproject.toml).
"""
from __future__ import annotations

import sysconfig
from pathlib import Path

SOURCE_RESOURCES = Path(__file__).resolve().parents[2] / "resources"
INSTALLED_RESOURCES = Path(sysconfig.get_path("data")) / "share" / "ganstudio"


def resources_dir() -> Path:
    return SOURCE_RESOURCES if SOURCE_RESOURCES.is_dir() else INSTALLED_RESOURCES
