"""URIEL distances from the data lang2vec 1.1.2 ships: real values, identities, missing languages."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest
from scipy.spatial import distance as scipy_distance

from specmlm.errors import ConfigError
from specmlm.typology import DISTANCE_KINDS, ROW_KEYS, _lang2vec, distances

# (source, target, source script, target script); one call, since loading URIEL takes seconds.
PAIRS = [
    ("eng", "uig", "Latn", "Arab"),
    ("eng", "mlt", "Latn", "Latn"),
    ("eng", "wol", "Latn", "Latn"),
    ("eng", "bel", "Latn", "Cyrl"),
    ("bel", "bul", "Cyrl", "Cyrl"),
    ("eng", "gle", "Latn", "Latn"),
    ("eng", "vie", "Latn", "Latn"),
    ("eng", "eng", "Latn", "Latn"),
    ("uig", "uig", "Arab", "Latn"),
    ("eng", "eus", "Latn", "Latn"),
    ("eng", "qaa", "Latn", "Latn"),
]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def warnings_and_rows() -> tuple[list[str], dict[tuple[str, str], dict[str, Any]]]:
    logger = logging.getLogger("specmlm.typology")
    collect = Collect()
    logger.addHandler(collect)
    try:
        result = distances([(s, t) for s, t, _, _ in PAIRS], [(a, b) for _, _, a, b in PAIRS])
    finally:
        logger.removeHandler(collect)
    return collect.messages, {(row["source"], row["target"]): row for row in result}


@pytest.fixture(scope="module")
def rows(warnings_and_rows: tuple) -> dict[tuple[str, str], dict[str, Any]]:
    return warnings_and_rows[1]


def great_circle(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance over half the circumference, from degrees."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    cos = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon1 - lon2)
    return math.acos(min(1.0, cos)) / math.pi


def test_rows_have_every_key_and_distances_in_unit_interval(rows: dict) -> None:
    for pair in [("eng", "uig"), ("eng", "mlt"), ("eng", "wol")]:
        row = rows[pair]
        assert tuple(row) == ROW_KEYS
        for kind in DISTANCE_KINDS:
            assert 0.0 <= row[kind] <= 1.0, (pair, kind, row[kind])
        assert row["uriel_missing"] == ""


def test_identical_languages_are_at_distance_zero(rows: dict) -> None:
    for pair in [("eng", "eng"), ("uig", "uig")]:
        assert all(rows[pair][kind] == 0.0 for kind in DISTANCE_KINDS), rows[pair]
    assert rows[("eng", "eng")]["script_match"] is True
    assert rows[("uig", "uig")]["script_match"] is False  # ug against ug-Latn: same language, other script


def test_genetic_distance_follows_glottolog_lineages(rows: dict) -> None:
    # Maltese (Afro-Asiatic), Uyghur (Turkic), Wolof (Atlantic-Congo) share no family with English.
    for target in ("mlt", "uig", "wol"):
        assert rows[("eng", target)]["genetic"] == 1.0
    # English's lineage has 9 nodes, of which Belarusian shares Indo-European alone.
    assert rows[("eng", "bel")]["genetic"] == pytest.approx(1 - 1 / 9, abs=1e-4)
    # Belarusian and Bulgarian share Indo-European > Balto-Slavic > Slavic of Bulgarian's 6 nodes.
    assert rows[("bel", "bul")]["genetic"] == 0.5
    # Basque is an isolate: no family recorded, so no genetic distance, but the rest exists.
    assert math.isnan(rows[("eng", "eus")]["genetic"])
    assert 0.0 < rows[("eng", "eus")]["syntactic"] < 1.0


def test_geographic_distance_matches_glottolog_coordinates(rows: dict) -> None:
    # Glottolog locations: English (53.0, -1.0), Maltese (35.8884, 14.4508).
    expected = great_circle((53.0, -1.0), (35.8884, 14.4508))
    assert rows[("eng", "mlt")]["geographic"] == pytest.approx(expected, abs=0.002)
    order = sorted(["gle", "mlt", "wol", "uig", "vie"], key=lambda t: rows[("eng", t)]["geographic"])
    assert order == ["gle", "mlt", "wol", "uig", "vie"]


def test_typological_distances_are_cosine_distances_of_knn_vectors(rows: dict) -> None:
    l2v = _lang2vec()
    for feature_set, kind in [("syntax_knn", "syntactic"), ("inventory_knn", "inventory")]:
        vectors = l2v.get_features(["eng", "uig"], feature_set)
        expected = scipy_distance.cosine(np.array(vectors["eng"]), np.array(vectors["uig"]))
        assert rows[("eng", "uig")][kind] == pytest.approx(expected, abs=5e-5)


def test_attested_counts_expose_imputed_distances(rows: dict) -> None:
    # URIEL's sources attest 6 of Maltese's 103 syntax features and none of Uyghur's inventory.
    assert rows[("eng", "mlt")]["syntactic_attested"] == 6
    assert rows[("eng", "uig")]["inventory_attested"] == 0
    assert rows[("eng", "eng")]["syntactic_attested"] == 103


def test_language_missing_from_uriel_gives_nan_and_is_counted(warnings_and_rows: tuple) -> None:
    messages, rows = warnings_and_rows
    row = rows[("eng", "qaa")]  # qaa: reserved for local use, in no database
    assert all(math.isnan(row[kind]) for kind in DISTANCE_KINDS)
    assert row["uriel_missing"] == "qaa"
    assert row["script_match"] is True
    assert messages == [f"1 of {len(PAIRS)} language pairs involve languages URIEL lacks (qaa): their distances are NaN"]
    assert rows[("eng", "mlt")]["uriel_missing"] == ""


@pytest.mark.parametrize(
    ("pairs", "scripts", "key"),
    [
        ([("en", "uig")], [("Latn", "Arab")], "iso639_3"),
        ([("eng", "uig")], [("Latn", "arabic")], "script"),
        ([("eng", "uig")], [], "scripts"),
    ],
)
def test_bad_codes_are_config_errors(pairs: list, scripts: list, key: str) -> None:
    with pytest.raises(ConfigError) as error:
        distances(pairs, scripts)
    assert error.value.key == key
