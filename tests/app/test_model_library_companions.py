"""The Models dock lists what a workspace opens: companion networks (encoders, discriminators) stay out of it."""
from __future__ import annotations

from pathlib import Path

from ganstudio.app.model_library import ModelLibrary
from ganstudio.checkpoints import save_model
from ganstudio.models.patchgan import NLayerDiscriminator
from ganstudio.models.stargan import Generator as StarGANGenerator


def test_a_folder_scan_leaves_companion_networks_out(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "models"
    folder.mkdir()
    save_model(NLayerDiscriminator(ndf=4, n_layers=1), folder / "critic.safetensors")
    save_model(StarGANGenerator(conv_dim=4, c_dim=2, repeat_num=1), folder / "faces.safetensors", attributes=["Smiling", "Young"])
    library = ModelLibrary(folder, tmp_path / "no-bundled")
    assert [Path(e.path).name for e in library.entries] == ["faces.safetensors"]
    assert library.entries[0].workspace == "attributes"
    # opened by hand it is still listed, so the user sees what was tried
    library.add_opened(folder / "critic.safetensors")
    assert sorted(Path(e.path).name for e in library.entries) == ["critic.safetensors", "faces.safetensors"]
