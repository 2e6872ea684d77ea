"""Vocabulary augmentation (VA, PAPER.md §5.5) and the embedding initialisations offered with it.

The stage trains a small WordPiece vocabulary on the language's unlabelled train split, picks
the new pieces that most reduce mBERT's UNKs (the paper's selection, steps 3–5, exactly), puts
them into the base tokenizer and initialises their embedding rows. It writes a tokenizer +
model directory that the pretraining stage (LAPT) loads as it would load mBERT.

The package follows the stage's steps: ``pieces`` trains the new WordPiece vocabulary and
selects the pieces, ``tokenizer`` puts them into the base tokenizer, ``rows`` initialises their
embedding rows, and ``augment`` runs the stage.

The stage has no seed setting (the config schema gives it none), so the random parts (the
resize default, ``scriptwise``) draw from a fixed seed and the stage is deterministic.

"""
