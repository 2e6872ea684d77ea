"""Task models, one module per task: :mod:`~specmlm.tasks.pos`, :mod:`~specmlm.tasks.ud` and
:mod:`~specmlm.tasks.ner` each read, label, pick a head, write and score (the :class:`~specmlm.tasks.task.Task`
protocol); :mod:`~specmlm.tasks.registry` maps the task and encoder names :mod:`specmlm.finetune`
looks up to them. The rest are building blocks with their own tests: the encoders (transformer,
fastText + BiLSTM), the heads and the optimiser.
"""
