"""Every local file the config names is tracked by content: the edit matrix.

A tiny study (Wolof UD + NER + text, Maltese UD + text, a base model's vocabulary) is built in
tmp_path from excerpts of demo/data and fetched and prepared for real once; each test then edits
one file the way a user would and asserts exactly which jobs the next dry run plans.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from specmlm import tracked
from specmlm.download import sources
from tests.workflow_utils import REPO, planned_job_set, snakemake

DEMO = REPO / "demo" / "data"
TARGETS = [
    *(f"results/data/wo/{d}/report.json" for d in ("ud", "ner", "text")),
    *(f"results/data/mt/{d}/report.json" for d in ("ud", "text")),
    "results/tokenizers/mbert",
]
WO, MT = "lang=wo", "lang=mt"


def _blocks(path: Path, count: int) -> str:
    """The first ``count`` blank-line-separated blocks (sentences) of a file."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return "\n\n".join(blocks[:count]).strip("\n") + "\n\n"


def _lines(path: Path, count: int) -> str:
    return "".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:count])


def _write_study(work: Path) -> None:
    sentences = {"train": 40, "dev": 10, "test": 10}
    excerpts = {
        **{f"data/{lang}/ud/{split}.conllu": _blocks(DEMO / f"ud/{treebank}-ud-{split}.conllu", count)
           for lang, treebank in (("wo", "UD_Wolof-WTB/wo_wtb"), ("mt", "UD_Maltese-MUDT/mt_mudt"))
           for split, count in sentences.items()},
        **{f"data/wo/ner/{split}.txt": _blocks(DEMO / f"ner/wo/masakhaner1/{split}.txt", count)
           for split, count in sentences.items()},
        "data/wo/text.txt": _lines(DEMO / "text/wo/bible-corpus_Wolof-NT.verses.txt", 200),
        "data/mt/text.txt": _lines(DEMO / "text/mt/parsing-mbert_mt_valid.txt", 200),
        "data/vocab.txt": _lines(DEMO / "vocab/bert-base-multilingual-cased-vocab.txt", 3000),
        "data/base.txt": _lines(DEMO / "text/bg/tatoeba.bul-eng.bul", 50),
    }
    for name, text in excerpts.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text, encoding="utf-8")
    config = yaml.safe_load((REPO / "demo/config.yaml").read_text(encoding="utf-8"))
    assert "transfer" not in config
    config["study"].update(languages=["wo", "mt"], tasks=["pos", "ner"], variants=["mbert"])
    config["base_models"]["mbert"]["build"].update(vocab="data/vocab.txt", text=["data/base.txt"])
    languages = config["languages"]
    languages.pop("en"), languages.pop("ug")
    for lang in ("wo", "mt"):
        languages[lang]["ud"]["files"] = {split: f"data/{lang}/ud/{split}.conllu" for split in ("train", "dev", "test")}
        languages[lang]["text"].update(files=[f"data/{lang}/text.txt"], lines_per_document=10)
    languages["wo"]["ner"]["files"] = {split: f"data/wo/ner/{split}.txt" for split in ("train", "dev", "test")}
    (work / "study.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("study")
    _write_study(work)
    snakemake(work, "-s", str(REPO / "Snakefile"), "--cores", "2", *TARGETS, "--configfile", "study.yaml")
    return work


def planned(work: Path, *configfiles: str) -> set[tuple[str, str]]:
    result = snakemake(work, "-s", str(REPO / "Snakefile"), "-n", *TARGETS, "--configfile", *(configfiles or ["study.yaml"]))
    return planned_job_set(result.stdout)


@pytest.fixture
def restore(study: Path) -> Iterator[Callable[[str], Path]]:
    """Hands a file of the study to a test and puts its bytes back afterwards (a same-bytes
    re-save, which the last test shows plans nothing)."""
    saved: dict[Path, bytes] = {}

    def file(name: str) -> Path:
        path = study / name
        saved[path] = path.read_bytes()
        return path

    yield file
    for path, data in saved.items():
        path.write_bytes(data)


def _rename_over(path: Path, data: bytes, mtime: float | None = None) -> None:
    """What an editor does on save: write a new file, then rename it over the old one."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(data)
    if mtime is not None:
        os.utime(new, (mtime, mtime))
    os.replace(new, path)


UD_WO = {("fetch_ud", WO), ("prepare_ud", WO), ("prepare_text", WO)}  # prepare_text removes lines equal to a labelled sentence


def test_the_study_is_prepared_and_up_to_date(study: Path) -> None:
    assert planned(study) == set()
    assert sources.origin(study / "results/raw/wo/ud/train.conllu") == ("data/wo/ud/train.conllu", "languages.wo.ud.files.train")


def test_sed_in_place_reruns_that_languages_ud_jobs(study: Path, restore: Callable[[str], Path]) -> None:
    path = restore("data/wo/ud/train.conllu")
    subprocess.run(["sed", "-i", "0,/\tNOUN\t/s//\tPROPN\t/", str(path)], check=True)
    assert planned(study) == UD_WO


def test_a_rename_over_reruns_that_corpus(study: Path, restore: Callable[[str], Path]) -> None:
    path = restore("data/mt/text.txt")
    _rename_over(path, path.read_bytes().replace(b"Spanja", b"Spanja u Portugall", 1))
    assert planned(study) == {("fetch_text", MT), ("prepare_text", MT)}


def test_appended_lines_rerun_that_corpus(study: Path, restore: Callable[[str], Path]) -> None:
    path = restore("data/wo/text.txt")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("Yàlla baax na.\nDinaa dem.\n")
    assert planned(study) == {("fetch_text", WO), ("prepare_text", WO)}


def test_a_different_file_copied_in_reruns_that_dataset(study: Path, restore: Callable[[str], Path]) -> None:
    path = restore("data/wo/ner/test.txt")
    shutil.copyfile(study / "data/wo/ner/dev.txt", path)  # as `cp`: the same inode, new bytes
    assert planned(study) == {("fetch_ner", WO), ("prepare_ner", WO), ("prepare_text", WO)}


def test_an_older_file_moved_in_is_caught_by_content(study: Path, restore: Callable[[str], Path]) -> None:
    """`mv` (or `cp -p`) of an older copy: the file is older than every output, so timestamps
    alone would plan nothing."""
    path = restore("data/mt/ud/dev.conllu")
    _rename_over(path, (study / "data/mt/ud/test.conllu").read_bytes(), mtime=946684800)  # 2000-01-01
    assert planned(study) == {("fetch_ud", MT), ("prepare_ud", MT), ("prepare_text", MT)}


def test_a_new_file_under_the_configs_path_reruns_that_dataset(study: Path) -> None:
    moved = study / "elsewhere/train.conllu"
    moved.parent.mkdir(exist_ok=True)
    moved.write_text(_blocks(DEMO / "ud/UD_Wolof-WTB/wo_wtb-ud-train.conllu", 41), encoding="utf-8")
    (study / "moved.yaml").write_text("languages: {wo: {ud: {files: {train: elsewhere/train.conllu}}}}\n", encoding="utf-8")
    assert planned(study, "study.yaml", "moved.yaml") == UD_WO


def test_the_order_of_keys_in_the_config_changes_nothing(study: Path) -> None:
    config = yaml.safe_load((study / "study.yaml").read_text(encoding="utf-8"))
    (study / "sorted.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=True), encoding="utf-8")
    assert planned(study, "sorted.yaml") == set()


def test_an_edited_vocabulary_rebuilds_only_the_tokenizer(study: Path, restore: Callable[[str], Path]) -> None:
    path = restore("data/vocab.txt")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("Yàlla\n")
    assert planned(study) == {("base_tokenizer", "base=mbert")}


def test_touch_and_same_bytes_resaves_rerun_nothing(study: Path) -> None:
    for name in ("data/wo/ud/train.conllu", "data/wo/text.txt", "data/vocab.txt", "data/base.txt"):
        os.utime(study / name)  # now: newer than every output
    _rename_over(study / "data/mt/text.txt", (study / "data/mt/text.txt").read_bytes())
    assert planned(study) == set()


def test_the_base_models_text_is_an_input_of_its_build(study: Path) -> None:
    """Building the base model is training, too slow here: its planned inputs show the files."""
    result = snakemake(study, "-s", str(REPO / "Snakefile"), "-n", "results/base/mbert", "--configfile", "study.yaml")
    build = result.stdout.split("rule build_base_model:", 1)[1]
    inputs = build.split("input: ", 1)[1].split("\n", 1)[0].split(", ")
    assert {"results/tokenizers/mbert", "data/vocab.txt", "data/base.txt"} == set(inputs)


def test_local_files_lists_every_local_location_with_its_key(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "sub").mkdir(parents=True)
    for name in ("config.json", "sub/vocab.txt"):
        (model / name).write_text("{}\n", encoding="utf-8")
    config = {
        "languages": {"wo": {"ud": {"files": {"train": "a.conllu", "dev": "file:///data/b.conllu", "test": "https://x.org/c.conllu"}},
                             "text": {"files": ["t0.txt", "t1.txt"]}}},
        "base_models": {"hub": {"source": "bert-base-multilingual-cased"}, "local": {"source": str(model)},
                        "tiny": {"build": {"kind": "tiny_multilingual", "vocab": "v.txt", "text": ["b.txt"]}}},
    }
    found = [(f.key, f.written, str(f.path)) for f in tracked.local_files(config)]
    assert found == [
        ("languages.wo.ud.files.train", "a.conllu", "a.conllu"),
        ("languages.wo.ud.files.dev", "file:///data/b.conllu", "/data/b.conllu"),
        ("languages.wo.text.files.0", "t0.txt", "t0.txt"),
        ("languages.wo.text.files.1", "t1.txt", "t1.txt"),
        ("base_models.tiny.build.vocab", "v.txt", "v.txt"),
        ("base_models.tiny.build.text.0", "b.txt", "b.txt"),
        ("base_models.local.source", str(model), str(model / "config.json")),
        ("base_models.local.source", str(model), str(model / "sub/vocab.txt")),
    ]
    assert [f.key for f in tracked.under(tracked.local_files(config), "languages.wo.text")] == [
        "languages.wo.text.files.0", "languages.wo.text.files.1"]


def test_fetch_copies_local_files_and_records_where_each_line_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("one\ntwo\n\n\n", encoding="utf-8")
    Path("b.txt").write_text("three\nfour\nfive\n", encoding="utf-8")
    downloads = {"cache_dir": "cache", "offline": True}
    sources.fetch_dataset("text", {"format": "lines", "files": ["a.txt", "b.txt"]}, "raw/text", downloads, "languages.wo.text")
    corpus = Path("raw/text/corpus.txt")
    assert corpus.read_text(encoding="utf-8") == "one\ntwo\n\nthree\nfour\nfive\n\n"
    assert sources.origin(corpus) == ("a.txt, b.txt", "languages.wo.text.files")
    assert sources.origin_line(corpus, 2) == ("a.txt", "languages.wo.text.files.0", 2)
    assert sources.origin_line(corpus, 5) == ("b.txt", "languages.wo.text.files.1", 2)
    assert sources.origin_line(corpus, 3) is None  # the blank line between parts

    for split in ("train", "dev", "test"):
        shutil.copyfile(DEMO / f"ud/UD_Wolof-WTB/wo_wtb-ud-{split}.conllu", f"{split}.conllu")
    entry = {"treebank": "UD_Wolof-WTB", "pos_column": "xpos", "files": {s: f"{s}.conllu" for s in ("train", "dev", "test")}}
    sources.fetch_dataset("ud", entry, "raw/ud", downloads, "languages.wo.ud")
    raw = Path("raw/ud/dev.conllu")
    assert raw.read_bytes() == Path("dev.conllu").read_bytes()
    assert raw.stat().st_ino != Path("dev.conllu").stat().st_ino  # a copy: editing dev.conllu leaves it alone
    assert sources.origin(raw) == ("dev.conllu", "languages.wo.ud.files.dev")
    assert sources.origin_line(raw, 7) == ("dev.conllu", "languages.wo.ud.files.dev", 7)
    assert sources.origin("elsewhere/dev.conllu") is None


def test_a_bad_input_fails_once_whatever_the_retries(study: Path, tmp_path: Path) -> None:
    """prepare_ud says `retries: 0`, which wins over `--retries` (a profile's too): the same
    input would fail the same way again."""
    shutil.copytree(study / "data", tmp_path / "data")
    shutil.copy(study / "study.yaml", tmp_path)
    dev = tmp_path / "data/wo/ud/dev.conllu"
    lines = dev.read_text(encoding="utf-8").split("\n")
    word = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    columns = lines[word].split("\t")
    columns[6] = "x"  # HEAD
    lines[word] = "\t".join(columns)
    dev.write_text("\n".join(lines), encoding="utf-8")
    result = snakemake(tmp_path, "-s", str(REPO / "Snakefile"), "--cores", "1", "--retries", "2", "results/data/wo/ud/report.json",
                       "--configfile", "study.yaml", check=False)
    assert result.returncode == 1
    assert result.stderr.count("Error in rule prepare_ud") == 1, result.stderr[-3000:]
