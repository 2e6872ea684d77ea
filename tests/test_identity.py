"""A run's identity: what a fine-tuning job records from its wildcards and the tables read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from specmlm.errors import InputError
from specmlm.identity import read_run, run_identity


def test_in_language_and_transfer_identities() -> None:
    assert run_identity("ud", {"view": "ug-Latn", "variant": "va", "seed": "3"}) == {
        "task": "ud", "view": "ug-Latn", "variant": "va", "seed": 3}
    assert run_identity("ner", {"source": "en", "target": "mt", "setting": "few_shot100", "variant": "lapt", "seed": "0"}) == {
        "task": "ner", "view": "mt", "variant": "lapt", "seed": 0, "source": "en", "target": "mt", "setting": "few_shot100"}


def test_read_run_names_the_file_and_what_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"run": {"task": "pos", "view": "mt", "variant": "va", "seed": 1}, "test": {"accuracy": 0.5}}))
    assert read_run(path) == ({"run": {"task": "pos", "view": "mt", "variant": "va", "seed": 1}, "test": {"accuracy": 0.5}},
                              {"task": "pos", "view": "mt", "variant": "va", "seed": 1})
    for content, message in (("{", "not JSON"), ("[]", "no run identity"), ('{"test": {}}', "no run identity"),
                             ('{"run": {"task": "pos"}}', "lacks view, variant, seed")):
        path.write_text(content)
        with pytest.raises(InputError, match=message) as error:
            read_run(path)
        assert error.value.path == str(path)
