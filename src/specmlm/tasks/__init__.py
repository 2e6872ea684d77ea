"""Task models: encoders (transformer, fastText + BiLSTM), one head per task type, the optimiser.

``registry.TASKS`` and ``registry.ENCODERS`` are what :mod:`specmlm.finetune` looks up;
everything else here is a building block with its own tests.
"""
