"""Quality evaluation of the bundled default models on held-out synthetic data.

    python -m trainer.evaluation --models resources/models --out docs

renders data from seeds no training run uses (`heldout`), trains small
measurement networks on further fresh renders (`measure_nets`), scores each
model next to trivial baselines (`metrics`, `evaluators`), draws sample grids
(`grids`) and writes docs/models.md (`report`). No Qt.
"""
