"""The unlabelled corpus against PAPER §4.6's size hints: exact checks on small reports."""

from __future__ import annotations

import pytest

from specmlm.corpus_size import size_check


def report(valid_lines: int, valid_tokens: int) -> dict:
    return {"train": {"documents": 9, "lines": 8 * valid_lines, "tokens": 8 * valid_tokens},
            "valid": {"documents": 1, "lines": valid_lines, "tokens": valid_tokens},
            "test": {"documents": 1, "lines": valid_lines, "tokens": valid_tokens}}


def test_a_corpus_within_a_factor_of_two_is_ok() -> None:
    # mt: the paper's valid split has 6,345 lines and 107k tokens
    check = size_check("mt", "wikipedia", report(4_000, 200_000))
    assert check["status"] == "ok" and "warning" not in check
    assert check["checks"] == [
        {"split": "valid", "measure": "lines", "paper": 6_345, "here": 4_000, "ratio": 0.63, "ok": True},
        {"split": "valid", "measure": "tokens", "paper": 107_000, "here": 200_000, "ratio": 1.869, "ok": True},
    ]


def test_a_corpus_far_off_is_a_warning_naming_language_split_and_sizes() -> None:
    check = size_check("ug", "wikipedia", report(1_500, 20_000))
    assert check["status"] == "far_off"
    assert check["warning"] == ("ug: the unlabelled corpus is far from the paper's size, beyond a factor of 2: "
                                "valid 1,500 lines against the paper's 15,758 (x0.095)")


def test_local_corpora_and_languages_without_a_hint_are_named_not_warned() -> None:
    local = size_check("ug", "local", report(10, 100))
    assert (local["status"], local["checks"], "warning" in local) == ("local", [], False)
    assert "local corpus" in local["note"]
    assert size_check("be", "wikipedia", report(10, 100))["status"] == "no_hint"
    with pytest.raises(ValueError, match="corpus origin 'web'"):
        size_check("ug", "web", report(10, 100))
