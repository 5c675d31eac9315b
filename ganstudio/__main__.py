"""`ganstudio [FILE] [--device auto|cpu|cuda] [--model PATH]`: open the studio window."""
from __future__ import annotations

import argparse
import gc
import os
import sys


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ganstudio", description="GAN Studio: paint with GANs.")
    parser.add_argument("file", nargs="?", help="a label map, photo, project (.gstudio) or model file to open")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto", help="where models run (default: auto)")
    parser.add_argument("--model", help="a model file to load at start (the other workspaces get their last or bundled model)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication

    from ganstudio.app.inference import InferenceController
    from ganstudio.engine.device import worker_thread_count
    from ganstudio.engine.runner import JobRunner
    from ganstudio.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GANStudio")
    app.setApplicationName("GANStudio")
    app.setApplicationDisplayName("GAN Studio")
    device = args.device
    controller = InferenceController(lambda: JobRunner(device=device, threads=worker_thread_count()))
    window = MainWindow(controller=controller)
    window.show()
    # torch, Qt and the window leave ~200k long-lived objects; frozen, they are no
    # longer rescanned by full GC passes, which hold the GIL (~100 ms) and stall the UI
    gc.freeze()
    if not os.environ.get("GANSTUDIO_NO_AUTOSAVE_PROMPT"):
        window.offer_recovery()
    # every workspace without a model gets its last one or the bundled default (on the worker thread)
    window.start(file=os.path.abspath(args.file) if args.file else None, model=args.model)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
