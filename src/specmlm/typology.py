"""Distances between languages from URIEL, through the data that lang2vec 1.1.2 ships.

Transfer from English to a low-resource language is expected to fall off with how unlike
English the target is; these numbers are the x-axes of that analysis (``transfer.py``).

lang2vec 1.1.2, the last release on PyPI, ships URIEL's vectors inside the wheel (``data/*.npz``;
nothing is downloaded) but not the precomputed distance matrices (``distances.zip``) that
later, GitHub-only versions read in ``l2v.distance``. The distances are therefore computed
here from the shipped vectors after URIEL's descriptions of them (Littell et al. 2017). They
are not those precomputed numbers, which nothing offline can check them against:

- syntactic, phonological, inventory: cosine distance between the languages' kNN-completed
  vectors (``syntax_knn``, ``phonology_knn``, ``inventory_knn``). The attested vectors are
  too sparse to compare (Maltese has 6 of 103 syntax features, Uyghur no inventory), so the
  number of features attested for both languages is reported beside each distance: a
  distance resting on few attested features is mostly URIEL's imputation.
- featural: cosine distance between the three vectors concatenated.
- genetic: the share of the deeper of the two Glottolog lineages that the languages do not
  have in common. ``fam`` marks every family and subfamily a language belongs to, i.e. its
  path from the root of its tree, so this is 1 - shared nodes / longest path: 0 for the
  same lineage, 1 when no family is shared. (A cosine over these vectors would call
  Belarusian closer to English than Bulgarian, 0.83 vs 0.86, only because Glottolog records
  fewer subgroups above Belarusian; here both are 0.89, sharing Indo-European alone.) A
  language with no family recorded (isolates such as Basque, and a few gaps) has no genetic
  distance (NaN).
- geographic: great-circle distance over half the Earth's circumference. URIEL stores a
  location only as its normalised great-circle distances to 299 fixed points (``geo``,
  ``GC_<lat>_<lon>``), so the location is recovered from them by least squares. The fit
  leaves at most 0.004 of residual on every URIEL language (the fixed points' labels are
  rounded to whole degrees) except the five codes with no place (und, mul, mis, zxx, zbl),
  which fail it and get NaN.

All distances lie in [0, 1] and are rounded to URIEL's 4 decimals, so identical languages
are exactly 0. A language URIEL lacks gets NaN for every URIEL distance and is named in the
row's ``uriel_missing`` (never an exception): one unknown code must not stop a study.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from specmlm.errors import ConfigError

log = logging.getLogger(__name__)

# Typological kinds -> the union of URIEL's source databases, to count attested features.
ATTESTED_SETS: dict[str, str] = {
    "syntactic": "syntax_wals|syntax_sswl|syntax_ethnologue",
    "phonological": "phonology_wals|phonology_ethnologue",
    "inventory": "|".join(
        ["inventory_ethnologue"]
        + [f"inventory_phoible_{db}" for db in ("aa", "gm", "saphon", "spa", "ph", "ra", "upsid")]
    ),
}
ISO639_3 = re.compile(r"[a-z]{3}")
ISO15924 = re.compile(r"[A-Z][a-z]{3}")
DECIMALS = 4
# Largest residual (in units of half the circumference) of a location recovered from `geo`.
MAX_GEO_RESIDUAL = 0.01


@functools.cache
def _lang2vec() -> ModuleType:
    """Import lang2vec on first use: it reads its data at import and needs pkg_resources."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import lang2vec.lang2vec as l2v
    return l2v


@functools.cache
def _archive(filename: str) -> dict[str, np.ndarray]:
    """One of lang2vec's data files, read once. lang2vec's ``get_features`` re-reads the
    compressed archive for every language and feature it looks up: 13,571 reads and 11 s for
    four languages, against 1 s here."""
    with np.load(Path(_lang2vec().__file__).parent / "data" / filename) as archive:
        return {key: archive[key] for key in archive.files}


def _named_set(codes: tuple[str, ...], feature_set: str) -> tuple[list[str], np.ndarray]:
    """lang2vec's ``get_named_set``, with its own lookups, over the archive read once."""
    l2v = _lang2vec()
    filename, source, prefix = l2v.FEATURE_SETS_DICT[feature_set]
    database = _archive(filename)
    languages = [l2v.get_language_index(l2v.get_language_code(code, database), database) for code in codes]
    names = l2v.get_feature_names(prefix, database)
    features = [l2v.get_feature_index(name, database) for name in names]
    values = database["data"][languages][:, features][:, :, l2v.get_source_index(source, database)]
    return names, values.squeeze(axis=2)


@functools.cache
def _vectors(codes: tuple[str, ...], feature_set: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Feature names and a languages × features array of one lang2vec set (``a|b``: the union
    of sets, as lang2vec takes it, their element-wise maximum); NaN where missing (-1)."""
    parts = [_named_set(codes, part) for part in feature_set.split("|")]
    values = np.maximum.reduce([part_values for _, part_values in parts]).astype(float)
    values[values == -1] = np.nan
    return tuple(name.replace(" ", "_") for name in parts[0][0]), values


def _by_language(codes: tuple[str, ...], feature_sets: Sequence[str]) -> dict[str, np.ndarray]:
    """Each language's vector: the given feature sets side by side."""
    if not codes:
        return {}
    values = np.concatenate([_vectors(codes, fs)[1] for fs in feature_sets], axis=1)
    return dict(zip(codes, values, strict=True))


def _cosine_distance(u: np.ndarray, v: np.ndarray) -> float:
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    if np.isnan(norms) or norms == 0:
        return float("nan")
    return float(np.clip(1.0 - u @ v / norms, 0.0, 1.0))


def _lineage_distance(u: np.ndarray, v: np.ndarray) -> float:
    a, b = u > 0, v > 0
    if np.isnan(u).any() or np.isnan(v).any() or not (a.any() and b.any()):
        return float("nan")
    return 1.0 - int((a & b).sum()) / max(int(a.sum()), int(b.sum()))


# Vector distances: kind -> (lang2vec feature sets, side by side; how two vectors compare).
VECTOR_KINDS: dict[str, tuple[tuple[str, ...], Callable[[np.ndarray, np.ndarray], float]]] = {
    "syntactic": (("syntax_knn",), _cosine_distance),
    "phonological": (("phonology_knn",), _cosine_distance),
    "inventory": (("inventory_knn",), _cosine_distance),
    "featural": (("syntax_knn", "phonology_knn", "inventory_knn"), _cosine_distance),
    "genetic": (("fam",), _lineage_distance),
}
DISTANCE_KINDS = (*VECTOR_KINDS, "geographic")
ROW_KEYS = (
    "source", "target", "source_script", "target_script", "script_match", *DISTANCE_KINDS,
    *(f"{kind}_attested" for kind in ATTESTED_SETS), "uriel_missing",
)


def _shared_features(u: np.ndarray, v: np.ndarray) -> int:
    """How many features both languages have attested (not NaN)."""
    return int((~np.isnan(u) & ~np.isnan(v)).sum())


def _central_angle(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle angle in radians between points given in radians (broadcasts)."""
    cos = np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(lon1 - lon2)
    return np.arccos(np.clip(cos, -1.0, 1.0))


def _location(geo: np.ndarray, points: np.ndarray) -> tuple[float, float] | None:
    """(lat, lon) in radians whose distances to ``points`` best match ``geo``, or None."""
    if np.isnan(geo).any():
        return None
    start = points[np.argmin(geo)]
    fit = least_squares(lambda p: _central_angle(p[0], p[1], points[:, 0], points[:, 1]) / np.pi - geo, start)
    if np.abs(fit.fun).max() > MAX_GEO_RESIDUAL:
        return None
    return float(fit.x[0]), float(fit.x[1])


def _locations(codes: tuple[str, ...]) -> dict[str, tuple[float, float] | None]:
    if not codes:
        return {}
    names, values = _vectors(codes, "geo")
    points = np.radians([[float(x) for x in name.removeprefix("GC_").split("_")] for name in names])
    return {code: _location(row, points) for code, row in zip(codes, values, strict=True)}


def _geographic(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float:
    if a is None or b is None:
        return float("nan")
    return float(_central_angle(a[0], a[1], b[0], b[1]) / np.pi)


def _check_codes(pairs: Sequence[tuple[str, str]], scripts: Sequence[tuple[str, str]]) -> None:
    if len(pairs) != len(scripts):
        raise ConfigError("scripts", f"expected one (source, target) script pair per language pair: "
                                     f"{len(pairs)} pairs, {len(scripts)} script pairs")
    for code in {c for pair in pairs for c in pair}:
        if not ISO639_3.fullmatch(code):
            raise ConfigError("iso639_3", f"{code!r} is not an ISO 639-3 code (three lower-case letters, e.g. 'uig')")
    for script in {s for pair in scripts for s in pair}:
        if not ISO15924.fullmatch(script):
            raise ConfigError("script", f"{script!r} is not an ISO 15924 code (e.g. 'Latn', 'Arab', 'Cyrl')")


def distances(pairs: Sequence[tuple[str, str]], scripts: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """One row per (source, target) pair of ISO 639-3 codes; ``scripts`` gives each pair's ISO 15924 codes.

    Scripts come from the caller because they belong to a view, not a language: English to
    ``ug`` crosses scripts, English to ``ug-Latn`` does not, at the same URIEL distances.
    Keys of each row: ``ROW_KEYS``.
    """
    _check_codes(pairs, scripts)
    known = _lang2vec().URIEL_LANGUAGES
    codes = tuple(sorted({c for pair in pairs for c in pair} & known))
    vectors = {kind: _by_language(codes, sets) for kind, (sets, _) in VECTOR_KINDS.items()}
    attested = {kind: _by_language(codes, [fs]) for kind, fs in ATTESTED_SETS.items()}
    locations = _locations(codes)
    rows = []
    for (source, target), (source_script, target_script) in zip(pairs, scripts, strict=True):
        missing = [c for c in dict.fromkeys((source, target)) if c not in known]
        row: dict[str, Any] = {
            "source": source, "target": target, "source_script": source_script, "target_script": target_script,
            "script_match": source_script == target_script,
        }
        for kind, (_, compare) in VECTOR_KINDS.items():
            row[kind] = float("nan") if missing else compare(vectors[kind][source], vectors[kind][target])
        row["geographic"] = float("nan") if missing else _geographic(locations[source], locations[target])
        for kind in DISTANCE_KINDS:
            row[kind] = round(row[kind], DECIMALS)
        for kind in ATTESTED_SETS:
            row[f"{kind}_attested"] = 0 if missing else _shared_features(attested[kind][source], attested[kind][target])
        row["uriel_missing"] = " ".join(missing)
        rows.append(row)
    lacking = sorted({c for row in rows for c in row["uriel_missing"].split()})
    if lacking:
        log.warning("%d of %d language pairs involve languages URIEL lacks (%s): their distances are NaN",
                    sum(bool(row["uriel_missing"]) for row in rows), len(rows), ", ".join(lacking))
    return rows
