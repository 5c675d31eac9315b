"""Keep Python's cyclic garbage collector from pausing the UI.

With torch imported the interpreter tracks ~200k objects; a full (generation
2) collection walks all of them while holding the GIL, stalling every thread,
the UI thread included, for 50-160 ms on a busy 2-core machine. Almost all of
those objects (modules, classes, loaded networks) live as long as the process,
so after start-up and after each model load they are frozen (`gc.freeze`):
later collections only walk what was created since. Frozen objects are still
freed by reference counting; only cyclic garbage among them would stay.
"""
from __future__ import annotations

import gc


def freeze_long_lived_objects() -> None:
    """Collect what is garbage now, then hide every surviving object from future collections."""
    gc.collect()  # cheap after the first call: it only walks objects not yet frozen
    gc.freeze()
