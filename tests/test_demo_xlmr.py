"""The XLM-R demo (profiles/demo-xlmr): the jobs it plans, in its own working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflow_utils import copy_repo, planned_job_set, planned_jobs, snakemake

VARIANTS = ("xlmr", "xlmr_lapt", "xlmr_va")


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    return repo, snakemake(repo, "--profile", "profiles/demo-xlmr", "-n").stdout


def test_the_profile_plans_ner_in_language_and_transfer_for_each_xlmr_variant(dry_run: tuple[Path, str]) -> None:
    _, out = dry_run
    jobs = planned_job_set(out)
    assert {wildcards for rule, wildcards in jobs if rule == "finetune"} == {
        f"task=ner, view=wo, variant={variant}, seed={seed}" for variant in VARIANTS for seed in (0, 1)
    }
    assert {wildcards for rule, wildcards in jobs if rule == "finetune_transfer"} == {
        f"source=en, target=wo, setting={setting}, variant={variant}, seed={seed}"
        for setting in ("zero_shot", "few_shot50") for variant in VARIANTS for seed in (0, 1)
    }
    assert {wildcards for rule, wildcards in jobs if rule == "pretrain"} == {
        "view=wo, variant=xlmr_lapt", "view=wo, variant=xlmr_va"
    }
    assert {wildcards for rule, wildcards in jobs if rule == "vocab"} == {"view=wo, variant=xlmr_va"}
    assert {wildcards for rule, wildcards in jobs if rule == "tokstats"} == {
        "view=wo, source=base, name=xlmr", "view=wo, source=vocab, name=xlmr_va"
    }
    counts = planned_jobs(out)
    assert counts["build_base_model"] == 1 and counts["base_tokenizer"] == 1
    assert "fetch_ud" not in counts and "fetch_base_model" not in counts  # offline: nothing of the toy demo's


def test_the_profile_writes_under_its_own_directory_not_the_demos(dry_run: tuple[Path, str]) -> None:
    repo, _ = dry_run
    assert (repo / "demo-xlmr" / ".snakemake").is_dir()
    assert not (repo / ".snakemake").exists()


UYGHUR_TARGET = """\
study: {languages: [wo, ug]}
transfer: {targets: [wo, ug]}
languages:
  ug:
    name: Uyghur
    iso639_3: uig
    script: Arab
    type: 2
    in_mbert: false
    ner:
      format: wikiann
      files:
        train: ../tests/data/ner/ug/wikiann-rahimi-hf-dummy/train
        dev: ../tests/data/ner/ug/wikiann-rahimi-hf-dummy/dev
        test: ../tests/data/ner/ug/wikiann-rahimi-hf-dummy/test
    text: {format: lines, lines_per_document: 10, files: [../demo/data/text/ug/tatoeba.uig-eng.uig]}
    batch_size: {ner: {default: 16}}
"""


def test_a_target_added_by_config_alone_gets_the_same_jobs(tmp_path_factory: pytest.TempPathFactory) -> None:
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    overlay = repo / "uyghur-target.yaml"
    overlay.write_text(UYGHUR_TARGET, encoding="utf-8")
    out = snakemake(repo, "--profile", "profiles/demo-xlmr", "--configfile", "demo/config-xlmr.yaml", str(overlay), "-n").stdout
    jobs = planned_job_set(out)
    for target in ("wo", "ug"):
        assert {wildcards for rule, wildcards in jobs if rule == "finetune_transfer" and f"target={target}," in wildcards} == {
            f"source=en, target={target}, setting={setting}, variant={variant}, seed={seed}"
            for setting in ("zero_shot", "few_shot50") for variant in VARIANTS for seed in (0, 1)
        }
        assert {wildcards for rule, wildcards in jobs if rule == "pretrain" and f"view={target}," in wildcards} == {
            f"view={target}, variant=xlmr_lapt", f"view={target}, variant=xlmr_va"
        }
    assert planned_jobs(out)["finetune"] == 2 * 3 * 2
