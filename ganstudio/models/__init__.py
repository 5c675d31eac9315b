"""torch.nn modules, state-dict-exact with the reference implementations.

One module per family; `registry` maps architecture names to classes. Every
model class takes keyword arguments only (JSON-serialisable) and keeps them in
``self.config`` so that a file can rebuild it.
"""
