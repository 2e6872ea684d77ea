"""A run's identity: what a fine-tuning job records from its wildcards and the tables read back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from specmlm.errors import InputError
from specmlm.identity import SETTING_PATTERN, read_run, run_identity, setting_name, shots_of


def test_in_language_and_transfer_identities() -> None:
    assert run_identity("ud", {"view": "ug-Latn", "variant": "va", "seed": "3"}) == {
        "task": "ud", "view": "ug-Latn", "variant": "va", "seed": 3}
    assert run_identity("ner", {"source": "en", "target": "mt", "setting": "few_shot100", "variant": "lapt", "seed": "0"}) == {
        "task": "ner", "view": "mt", "variant": "lapt", "seed": 0, "source": "en", "target": "mt", "setting": "few_shot100",
        "shots": 100}


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


def test_setting_names_round_trip() -> None:
    """The one encoding of a transfer setting: its name, its shots and the wildcard pattern agree."""
    assert [setting_name(n) for n in (0, 1, 50, 100)] == ["zero_shot", "few_shot1", "few_shot50", "few_shot100"]
    assert [shots_of(setting_name(n)) for n in (0, 1, 50, 100)] == [0, 1, 50, 100]
    for name in ("zero_shot", "few_shot1", "few_shot50"):
        assert re.fullmatch(SETTING_PATTERN, name)
    for bad in ("few_shot0", "few_shot05", "few_shot", "one_shot", "in_language", "few_shot-3"):
        assert not re.fullmatch(SETTING_PATTERN, bad)
        with pytest.raises(ValueError, match="neither zero_shot nor few_shotN"):
            shots_of(bad)
