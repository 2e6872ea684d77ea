"""specmlm: a cached benchmark of specializing multilingual language models.

Reproduces and extends Chau & Smith (2021): language-adaptive pretraining (LAPT), vocabulary
augmentation (VA) and transliteration, evaluated on POS tagging, UD parsing and NER.
The Snakemake workflow at the repository root orchestrates the stages; this package holds
all of their logic so each stage can be imported, tested and run without Snakemake.
"""

__version__ = "0.1.0"
