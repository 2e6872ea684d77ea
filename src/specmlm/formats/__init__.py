"""Readers and writers for the study's file formats (CoNLL-U, NER columns, raw text).

Every reader validates as it reads and raises :class:`specmlm.errors.InputError` naming the
file and line; every writer writes to a temporary name and renames, so outputs are whole or
absent.
"""
