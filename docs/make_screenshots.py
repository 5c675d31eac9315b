"""Screenshots of the real window with the bundled models, for the README and docs.

    xvfb-run -s "-screen 0 1700x1100x24" .venv/bin/python docs/make_screenshots.py [--wait 40] [--sizes 1024x700,1600x1000]

Starts GAN Studio as a user would (fresh settings in a temporary home, bundled
models), waits for every workspace to show its first result, then, for each
window size, saves one PNG per workspace tab as
docs/images/screenshot-<tab>-<width>x<height>.png (the smallest supported size
and a large one, so layout problems show).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "images"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wait", type=float, default=40.0, help="seconds to let models load and render before the first shot")
    parser.add_argument("--per-tab", type=float, default=6.0, help="seconds to wait after switching tabs")
    parser.add_argument("--sizes", default="1024x700,1600x1000", help="window sizes, comma-separated WxH")
    args = parser.parse_args()
    sizes = [tuple(int(v) for v in size.split("x")) for size in args.sizes.split(",")]

    home = tempfile.mkdtemp(prefix="ganstudio-shots-")
    os.environ.update(HOME=home, XDG_CONFIG_HOME=f"{home}/.config", XDG_DATA_HOME=f"{home}/.local/share", GANSTUDIO_NO_AUTOSAVE_PROMPT="1")

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ganstudio.__main__ import main as studio_main
    from ganstudio.ui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    saved: list[Path] = []

    def window() -> MainWindow:
        return next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))

    def shoot(size_index: int, index: int) -> None:
        win = window()
        tabs = win.workspaces
        if index >= tabs.count():
            size_index, index = size_index + 1, 0
        if size_index >= len(sizes):
            print("\n".join(str(p) for p in saved))
            win.close()
            app.quit()
            return
        width, height = sizes[size_index]
        win.resize(width, height)
        tabs.setCurrentIndex(index)

        def grab() -> None:
            name = tabs.tabText(index).lower().replace(" ", "-")
            path = OUT / f"screenshot-{'painting' if name == 'paint' else name}-{width}x{height}.png"
            if (win.width(), win.height()) != (width, height):
                print(f"warning: the window is {win.width()}x{win.height()} on {name}, asked for {width}x{height}")
            win.grab().save(str(path))
            saved.append(path)
            shoot(size_index, index + 1)

        QTimer.singleShot(int(args.per_tab * 1000), grab)

    def start() -> None:
        shoot(0, 0)

    QTimer.singleShot(int(args.wait * 1000), start)
    return studio_main(["--device", "cpu"])


if __name__ == "__main__":
    sys.exit(main())
