"""`ganstudio [FILE] [--device auto|cpu|cuda] [--precision auto|fp32|bf16|fp16] [--model PATH] [--smoke-test [FOLDER]]`: open the studio window."""
from __future__ import annotations

import argparse
import gc
import os
import sys
from contextlib import nullcontext
from pathlib import Path

from ganstudio import system_check


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ganstudio", description="GAN Studio: paint with GANs.")
    parser.add_argument("file", nargs="?", help="a label map, photo, project (.gstudio) or model file to open")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto", help="where models run (default: auto)")
    parser.add_argument("--precision", choices=["auto", "fp32", "bf16", "fp16"], default="auto",
                        help="how models compute: auto measures each model once and keeps the fastest precision whose "
                             "pictures stay within 1 level of fp32 on average (default); the others force one")
    parser.add_argument("--model", help="a model file to load at start (the other workspaces get their last or bundled model)")
    parser.add_argument("--smoke-test", nargs="?", const="", metavar="FOLDER",
                        help="check this installation: visit every workspace with the bundled models, exit 0 if all work "
                             "(1 with the reason otherwise); with FOLDER, save a screenshot of each there")
    parser.add_argument("--smoke-timeout", type=float, default=90.0, metavar="SECONDS", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # before anything imports Qt: without its system libraries Qt aborts with a core dump
    problem = system_check.startup_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from ganstudio.app.inference import InferenceController
    from ganstudio.app.resources import resources_dir
    from ganstudio.engine.device import worker_thread_count
    from ganstudio.engine.precision import PrecisionPolicy
    from ganstudio.engine.runner import JobRunner
    from ganstudio.ui import smoke_test
    from ganstudio.ui.main_window import MainWindow

    smoke = args.smoke_test is not None
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("GANStudio")
    app.setApplicationName("GANStudio")
    app.setApplicationDisplayName("GAN Studio")
    app.setDesktopFileName("io.github.ganstudio.GANStudio")  # Wayland finds the icon through the .desktop entry
    icon = resources_dir() / "icons" / "ganstudio.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    device, precision = args.device, args.precision
    # the policy measures each model on the worker thread the first time it loads (cached afterwards)
    controller = InferenceController(
        lambda: JobRunner(device=device, precision=precision, threads=worker_thread_count(), policy=PrecisionPolicy()))
    # the smoke test keeps its settings and recovery files apart from the user's
    with smoke_test.isolated_state() if smoke else nullcontext({}) as state:
        window = MainWindow(controller=controller, **state)
        window.show()
        # torch, Qt and the window leave ~200k long-lived objects; frozen, they are no
        # longer rescanned by full GC passes, which hold the GIL (~100 ms) and stall the UI
        gc.freeze()
        file = os.path.abspath(args.file) if args.file else None
        if smoke:
            folder = Path(args.smoke_test) if args.smoke_test else None
            return smoke_test.run(app, window, lambda: window.start(file=file, model=args.model), folder, args.smoke_timeout)
        if not os.environ.get("GANSTUDIO_NO_AUTOSAVE_PROMPT"):
            window.painting.files.offer_recovery()
        # every workspace without a model gets its last one or the bundled default (on the worker thread)
        window.start(file=file, model=args.model)
        return app.exec()


if __name__ == "__main__":
    sys.exit(main())
