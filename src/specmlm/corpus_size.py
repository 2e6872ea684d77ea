"""Check a prepared unlabelled corpus against the sizes PAPER §4.6 gives for the paper's corpora.

LAPT, VA and the from-scratch models are only as good as their corpus, and ours comes from a
later Wikipedia (the 2023-11-01 snapshot, or a dump of the user's choosing) than the paper's, so
a corpus several times smaller or larger than the paper's would move every number downstream
without any error. The paper published no corpus-size table; §4.6 collects the few sizes known.
A split whose lines or tokens differ from a hint by more than a factor of ``SIZE_TOLERANCE``
either way is reported as far off, with a warning. A corpus given as local files (the demo's
Tatoeba sentences, a Bible, a sample) is not the paper's text at all: it is named as local and
not compared, so a small study does not drown its real warnings in expected ones.
"""

from __future__ import annotations

from typing import Any

from specmlm.published import CORPUS_SIZE_HINTS

SIZE_TOLERANCE = 2.0
ORIGINS = ("wikipedia", "local")


def size_check(language: str, origin: str, report: dict[str, Any]) -> dict[str, Any]:
    """Compare the split sizes of a prepare_text ``report`` with the language's hints.

    Returns ``status`` (``ok``, ``far_off``, ``no_hint`` or ``local``), the ``tolerance``, one
    entry per hinted split and measure (``paper``, ``here``, ``ratio`` here / paper, ``ok``) and,
    when far off, a one-line ``warning`` naming the language, split and sizes.
    """
    if origin not in ORIGINS:
        raise ValueError(f"corpus origin {origin!r}: expected one of {list(ORIGINS)}")
    result: dict[str, Any] = {"status": "local", "tolerance": SIZE_TOLERANCE, "checks": []}
    if origin == "local":
        result["note"] = "local corpus, not the paper's Wikipedia text: PAPER §4.6's sizes are not compared"
        return result
    hints = CORPUS_SIZE_HINTS.get(language)
    if not hints:
        return {**result, "status": "no_hint", "note": "PAPER §4.6 gives no size for this language's corpus"}
    for split, measures in hints.items():
        for measure, paper in measures.items():
            here = report[split][measure]
            ratio = here / paper
            ok = 1 / SIZE_TOLERANCE <= ratio <= SIZE_TOLERANCE
            result["checks"].append({"split": split, "measure": measure, "paper": paper, "here": here,
                                     "ratio": round(ratio, 3), "ok": ok})
    far = [c for c in result["checks"] if not c["ok"]]
    result["status"] = "far_off" if far else "ok"
    if far:
        sizes = "; ".join(f"{c['split']} {c['here']:,} {c['measure']} against the paper's {c['paper']:,} "
                          f"(x{c['ratio']:g})" for c in far)
        result["warning"] = (f"{language}: the unlabelled corpus is far from the paper's size, beyond a factor of "
                             f"{SIZE_TOLERANCE:g}: {sizes}")
    return result
