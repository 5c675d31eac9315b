"""PyInstaller's entry script: the installed `ganstudio` package's own entry point."""
import sys

from ganstudio.__main__ import main

sys.exit(main())
