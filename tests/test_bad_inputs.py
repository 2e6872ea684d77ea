"""Bad inputs, one table: each is refused with one message and leaves nothing behind (issue 13).

Every case runs through the script boundary (:func:`specmlm.logs.stage_log`) in-process and
asserts: exit status 1 and the exception type behind it, one ERROR message on stderr (the same
in the job's log) naming the file as the user wrote it and its config key, and the line where
there is one, no traceback, and no new file under ``results/``. A handful of cases run through
``snakemake`` itself (``test_through_snakemake``).

Data: excerpts of the demo's real files (``demo/data``, licences in ``demo/data/SOURCES.md``),
broken one way per case.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import io
import json
import logging
import lzma
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from specmlm.atomic import sweep_temporaries
from specmlm.config import validate
from specmlm.download.fetch import ChecksumError
from specmlm.download.models import fetch_model_entry
from specmlm.download.plan import fetch_options
from specmlm.download.sources import fetch_dataset
from specmlm.errors import ConfigError, DownloadError, InputError, UserError, keyed
from specmlm.logs import stage_log
from specmlm.prepare import prepare_ner, prepare_ud
from tests.test_download import FixtureServer, free_port, sha
from tests.workflow_utils import REPO, SNAKEMAKE

DEMO = REPO / "demo" / "data"
SPLITS = ("train", "dev", "test")
LANG = "xx"


def _first_sentences(path: Path, count: int) -> list[str]:
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        lines.append(line)
        if not line and (count := count - 1) == 0:
            break
    return lines


# Wolof UD dev, first two sentences: words 1-21 on lines 4-24, the range 22-24 on line 25,
# words 22-28 on lines 26-32 (word 11, line 14, is the root).
UD_LINES = _first_sentences(DEMO / "ud/UD_Wolof-WTB/wo_wtb-ud-dev.conllu", 2)
UD_GOOD = "\n".join(UD_LINES) + "\n"
# MasakhaNER Wolof dev (``token TAG``) and English WikiAnn dev (``en:token<TAB>TAG``), first sentences.
CONLL_GOOD = "\n".join(_first_sentences(DEMO / "ner/wo/masakhaner1/dev.txt", 6)) + "\n"
WIKIANN_GOOD = "\n".join(_first_sentences(DEMO / "ner/en/wikiann-rahimi/dev", 6)) + "\n"
TEXT_GOOD = "\n".join((DEMO / "text/wo/bible-corpus_Wolof-NT.verses.txt").read_text(encoding="utf-8").splitlines()[:20]) + "\n"


def ud_edit(line: int, column: int, value: str, text: str = UD_GOOD) -> str:
    """``text`` with one CoNLL-U field (1-based line, 0-based column) replaced."""
    lines = text.split("\n")
    fields = lines[line - 1].split("\t")
    fields[column] = value
    lines[line - 1] = "\t".join(fields)
    return "\n".join(lines)


def ud_insert(after: int, row: str, text: str = UD_GOOD) -> str:
    lines = text.split("\n")
    lines.insert(after, row)
    return "\n".join(lines)


def every_word(column: int, value: str, text: str = UD_GOOD) -> str:
    lines = [line.split("\t") for line in text.split("\n")]
    return "\n".join("\t".join(f[:column] + [value] + f[column + 1 :]) if re.fullmatch(r"[0-9]+", f[0]) else "\t".join(f) for f in lines)


def text_line(text: str, line: int, replace: Callable[[str], str]) -> str:
    lines = text.split("\n")
    lines[line - 1] = replace(lines[line - 1])
    return "\n".join(lines)


def conll_tag(line: int, tag: str) -> str:
    """The CoNLL NER excerpt with the tag on ``line`` replaced."""
    return text_line(CONLL_GOOD, line, lambda row: f"{row.split()[0]} {tag}")


def bytes_at(text: str, line: int, data: bytes) -> bytes:
    """``text`` encoded as UTF-8 with ``data`` put at the start of ``line``."""
    lines = text.encode("utf-8").split(b"\n")
    lines[line - 1] = data + lines[line - 1]
    return b"\n".join(lines)


def zipped(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("corpus.txt", data)
    return buffer.getvalue()


@dataclass
class Case:
    """One bad input: what to run, the error type, the key and line its message must name."""

    name: str
    kind: str  # ud | ner | text | config | download
    error: type[UserError]
    key: str | None
    line: int | None
    files: dict[str, str | bytes]  # split (or text part) -> content
    options: dict


def ud(name: str, line: int | None, *, split: str = "train", text: str | bytes = UD_GOOD, error: type[UserError] = InputError, pos_column: str = "upos") -> Case:
    return Case(name, "ud", error, f"languages.{LANG}.ud.files.{split}", line, {split: text}, {"pos_column": pos_column})


def ner(name: str, line: int | None, text: str | bytes, *, fmt: str = "conll", split: str = "train", drop: tuple[str, ...] = (), base: str | None = None) -> Case:
    return Case(name, "ner", InputError, f"languages.{LANG}.ner.files.{split}", line, {split: text}, {"format": fmt, "drop": drop, "base": base})


def text(name: str, line: int | None, content: str | bytes, *, part: int = 0, error: type[UserError] = InputError) -> Case:
    return Case(name, "text", error, f"languages.{LANG}.text.files.{part}", line, {str(part): content}, {})


def config(name: str, key: str, edit: Callable[[dict], None]) -> Case:
    return Case(name, "config", ConfigError, key, None, {}, {"edit": edit})


def download(name: str, key: str, options: dict, error: type[UserError] = DownloadError) -> Case:
    return Case(name, "download", error, key, None, {}, options)


def _set(path: str, value: object) -> Callable[[dict], None]:
    def edit(data: dict) -> None:
        *parents, last = path.split(".")
        for part in parents:
            data = data[int(part)] if isinstance(data, list) else data[part]
        data[last] = value

    return edit


CASES = [
    # --- CoNLL-U -------------------------------------------------------------------------
    ud("head cycle 1 -> 2 -> 1", 4, text=ud_edit(5, 6, "1", ud_edit(4, 6, "2"))),
    ud("self-loop", 4, text=ud_edit(4, 6, "1")),
    ud("range ends before it starts (24-22)", 25, text=ud_edit(25, 0, "24-22")),
    ud("range past the last word", 25, text=ud_edit(25, 0, "22-30")),
    ud("range before the wrong word", 25, text=ud_edit(25, 0, "23-24")),
    ud("overlapping ranges", 27, text=ud_insert(26, "23-25\tx\t_\t_\t_\t_\t_\t_\t_\t_")),
    ud("empty node out of order", 5, text=ud_insert(4, "5.1\tx\tx\tNOUN\t_\t_\t_\t_\t1:dep\t_")),
    ud("Arabic-Indic HEAD", 4, text=ud_edit(4, 6, "\u0662")),
    ud("full-width HEAD", 4, text=ud_edit(4, 6, "\uff12")),
    ud("Arabic-Indic word ID", 4, text=ud_edit(4, 0, "\u0661")),
    ud("signed HEAD", 4, text=ud_edit(4, 6, "+2")),
    ud("HEAD '_'", 4, text=ud_edit(4, 6, "_")),
    ud("HEAD out of range", 4, text=ud_edit(4, 6, "99")),
    ud("UPOS '_'", 4, text=ud_edit(4, 3, "_")),
    ud("UPOS empty", 4, text=ud_edit(4, 3, "")),
    ud("DEPREL '_'", 4, text=ud_edit(4, 7, "_")),
    ud("two roots", 14, text=ud_edit(5, 6, "0")),
    ud("no root", 1, text=ud_edit(14, 6, "1")),
    ud("nine columns", 4, text=UD_GOOD.replace("1\tCi\tci\tADP\tPREP\t_\t", "1\tCi\tADP\tPREP\t_\t", 1)),
    ud("word ID gap", 5, text=ud_edit(5, 0, "3")),
    ud("sentence without words", 1, text="# sent_id = x\n# text = nothing\n\n" + UD_GOOD),
    ud("XPOS all '_' with pos_column xpos", None, text=every_word(4, "_"), pos_column="xpos"),
    ud("UPOS one tag only", None, text=every_word(3, "NOUN")),
    ud("cycle in dev", 4, split="dev", text=ud_edit(5, 6, "1", ud_edit(4, 6, "2"))),
    ud("self-loop in test", 14, split="test", text=ud_edit(14, 6, "11")),
    ud("gzip-compressed treebank", 1, text=gzip.compress(UD_GOOD.encode())),
    ud("Latin-1 byte", 7, text=bytes_at(UD_GOOD, 7, b"\xe9")),
    ud("NUL byte", 9, text=bytes_at(UD_GOOD, 9, b"\x00")),
    ud("UTF-16 treebank", 1, text=UD_GOOD.encode("utf-16")),
    ud("empty treebank", None, text="\n\n"),
    # --- NER -----------------------------------------------------------------------------
    ner("WikiAnn file declared conll", 1, WIKIANN_GOOD, fmt="conll"),
    ner("CoNLL file declared wikiann", 1, CONLL_GOOD, fmt="wikiann"),
    ner("B-per beside B-PER", 74, conll_tag(74, "B-per")),
    ner("B-Per throughout", 70, CONLL_GOOD.replace("-PER", "-Per")),
    ner("type outside the study (MISC)", 5, conll_tag(5, "B-MISC")),
    ner("DATE without drop_types", 5, conll_tag(5, "B-DATE")),
    ner("IOBES S- tag", 5, conll_tag(5, "S-PER")),
    ner("tag without prefix", 5, conll_tag(5, "PER")),
    ner("underscore tag", 5, conll_tag(5, "B_PER")),
    ner("lower-case o", 5, conll_tag(5, "o")),
    ner("test type spelled differently", 70, CONLL_GOOD.replace("-PER", "-Per"), split="test"),
    ner("three WikiAnn columns", 2, text_line(WIKIANN_GOOD, 2, lambda s: s + "\tX"), fmt="wikiann"),
    ner("empty WikiAnn token", 2, text_line(WIKIANN_GOOD, 2, lambda s: "en:\t" + s.split("\t")[1]), fmt="wikiann"),
    ner("gzip NER file", 1, gzip.compress(CONLL_GOOD.encode())),
    ner("Latin-1 NER file", 3, bytes_at(CONLL_GOOD, 3, b"\xe0")),
    ner("NUL in NER file", 4, bytes_at(CONLL_GOOD, 4, b"\x00")),
    ner("empty NER file", None, ""),
    # --- text ----------------------------------------------------------------------------
    text("gzip corpus", 1, gzip.compress(TEXT_GOOD.encode())),
    text("bzip2 corpus", 1, bz2.compress(TEXT_GOOD.encode())),
    text("xz corpus", 1, lzma.compress(TEXT_GOOD.encode())),
    text("zip archive", 1, zipped(TEXT_GOOD.encode())),
    text("UTF-16 LE corpus", 1, TEXT_GOOD.encode("utf-16-le").join([b"\xff\xfe", b""])),
    text("UTF-16 BE corpus", 1, TEXT_GOOD.encode("utf-16-be").join([b"\xfe\xff", b""])),
    text("Latin-1 corpus", 3, bytes_at(TEXT_GOOD, 3, b"\xe9t\xe9")),
    text("Windows-1252 quote", 5, bytes_at(TEXT_GOOD, 5, b"\x93")),
    text("NUL byte (binary)", 2, bytes_at(TEXT_GOOD, 2, b"\x00\x01")),
    text("empty corpus", None, b""),
    text("second part bad", 4, bytes_at(TEXT_GOOD, 4, b"\xff"), part=1),
    text("missing corpus file", None, b"<missing>", error=DownloadError),
    # --- config --------------------------------------------------------------------------
    config("undefined variant", "study.variants.0", _set("study.variants", ["nope"])),
    config("seed set out of range", "study.seeds.0", _set("study.seeds", [9])),
    config("zero epochs", "finetune.max_epochs", _set("finetune.max_epochs", 0)),
    config("unknown pos_column", "languages.wo.ud.pos_column", _set("languages.wo.ud.pos_column", "feats")),
    config("unknown NER format", "languages.wo.ner.format", _set("languages.wo.ner.format", "iob")),
    config("missing batch size", "languages.wo.batch_size.ner", _set("languages.wo.batch_size", {"pos": {"default": 32}, "ud": {"default": 32}})),
    # --- downloads (a local HTTP server on 127.0.0.1) -----------------------------------
    download("UD split 404", "languages.xx.ud.source", {"dataset": "ud", "missing": True}),
    download("UD pinned checksum mismatch", "languages.xx.ud.source", {"dataset": "ud", "pin": "0" * 64}, ChecksumError),
    download("server always 503", "languages.xx.ud.source", {"dataset": "ud", "failures": 100}),
    download("connection refused", "languages.xx.ud.source", {"dataset": "ud", "refused": True}),
    download("offline, nothing cached", "languages.xx.ud.source", {"dataset": "ud", "offline": True}),
    download("WikiAnn parquet 404", "languages.xx.ner.source", {"dataset": "ner", "missing": True}),
    download("Wikipedia snapshot 404", "languages.xx.text.source", {"dataset": "text", "missing": True}),
    download("local split missing", "languages.xx.ud.files.dev", {"dataset": "ud", "local_missing": "dev"}),
    download("local split checksum mismatch", "languages.xx.ud.files.test", {"dataset": "ud", "local_pin": "test"}, ChecksumError),
    download("local model directory missing", "base_models.mbert", {"dataset": "model"}),
]


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    running = FixtureServer({}, max_requests=10_000, lifetime_s=120.0)
    thread = threading.Thread(target=running.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(timeout=5)


FAST_RETRY = {"attempts": 2, "backoff_s": 0.0, "max_backoff_s": 0.0, "deadline_s": 5.0, "timeout_s": 5.0}


def _write_local(root: Path, dataset: str, files: dict[str, str | bytes], good: str) -> dict[str, str]:
    """The user's files under ``data/`` and fetch's copies under ``results/raw/`` with the
    ``SOURCE.json`` that maps each copy back to the path and key the user wrote."""
    raw = root / "results" / "raw" / LANG / dataset
    raw.mkdir(parents=True)
    suffix = "conllu" if dataset == "ud" else "txt"
    record = {}
    for split in SPLITS:
        content = files.get(split, good)
        user = Path("data", dataset, f"{split}.{suffix}")
        (root / user).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            (root / user).write_bytes(content)
        else:
            (root / user).write_text(content, encoding="utf-8")
        os.link(root / user, raw / user.name)
        record[user.name] = {"url": str(user), "key": f"languages.{LANG}.{dataset}.files.{split}", "sha256": sha((root / user).read_bytes())}
    (raw / "SOURCE.json").write_text(json.dumps({"files": record}), encoding="utf-8")
    return {split: str(raw / f"{split}.{suffix}") for split in SPLITS}


def _download_job(case: Case, root: Path, server: FixtureServer) -> Callable[[], object]:
    options = case.options
    downloads = {"cache_dir": str(root / "cache"), "offline": bool(options.get("offline")), "retry": FAST_RETRY}
    out = root / "results" / "raw" / LANG / options["dataset"]
    where = f"languages.{LANG}.{options['dataset']}"
    base = f"http://127.0.0.1:{free_port()}" if options.get("refused") else server.base
    prefix = f"/{case.name.replace(' ', '_')}"
    if options["dataset"] == "model":
        return lambda: _keyed_model(root)
    if options.get("local_missing") or options.get("local_pin"):
        (root / "data").mkdir()
        files = {}
        for split in SPLITS:
            (root / "data" / f"{split}.conllu").write_text(UD_GOOD, encoding="utf-8")
            files[split] = f"data/{split}.conllu"
        if options.get("local_missing"):
            files[options["local_missing"]] = "data/absent.conllu"
        entry = {"treebank": "UD_Wolof-WTB", "files": files, **({"sha256": {options["local_pin"]: "0" * 64}} if options.get("local_pin") else {})}
        return lambda: fetch_dataset("ud", entry, out, downloads, where)
    source: dict = {"licence": "CC BY-SA 4.0", "citation": "test"}
    if options["dataset"] == "ud":
        files = {f"{prefix}/UD_Wolof-WTB/r2.5/wo_wtb-ud-{split}.conllu": UD_GOOD.encode() for split in SPLITS}
        if options.get("missing"):
            files.pop(f"{prefix}/UD_Wolof-WTB/r2.5/wo_wtb-ud-dev.conllu")
        server.files.update(files)
        server.failures = options.get("failures", 0)
        source |= {"code": "wo_wtb", "tag": "r2.5", "url": base + prefix + "/{treebank}/{tag}/{file}", "extras": []}
        if "pin" in options:
            source["sha256"] = {"wo_wtb-ud-train.conllu": options["pin"]}
        entry = {"treebank": "UD_Wolof-WTB", "source": source}
    elif options["dataset"] == "ner":
        source |= {"lang": "wo", "endpoint": base + prefix}
        entry = {"format": "wikiann", "source": source}
    else:
        source |= {"lang": "wo", "endpoint": base + prefix}
        entry = {"format": "bert", "source": source}
    return lambda: fetch_dataset(options["dataset"], entry, out, downloads, where)


def _keyed_model(root: Path) -> None:
    """What workflow/scripts/fetch_model.py does."""
    with keyed("base_models.mbert"):
        fetch_model_entry({"source": "./models/absent"}, fetch_options({"cache_dir": str(root / "cache")}))


def _job(case: Case, root: Path, server: FixtureServer) -> Callable[[], object]:
    """The package call the case's workflow script makes, on files laid out as fetch leaves them."""
    if case.kind == "ud":
        raw = _write_local(root, "ud", case.files, UD_GOOD)
        return lambda: prepare_ud(raw, root / "results" / "data" / LANG / "ud", case.options["pos_column"])
    if case.kind == "ner":
        good = case.options["base"] or (WIKIANN_GOOD if case.options["format"] == "wikiann" else CONLL_GOOD)
        raw = _write_local(root, "ner", case.files, good)
        return lambda: prepare_ner(raw, case.options["format"], root / "results" / "data" / LANG / "ner", case.options["drop"])
    if case.kind == "text":
        parts = []
        for part in range(max(int(index) for index in case.files) + 1):
            content = case.files.get(str(part), TEXT_GOOD.encode())
            user = root / "data" / f"part{part}.txt"
            user.parent.mkdir(parents=True, exist_ok=True)
            if content != b"<missing>":
                user.write_bytes(content if isinstance(content, bytes) else content.encode())
            parts.append(str(user.relative_to(root)))
        entry = {"format": "lines", "files": parts}
        downloads = {"cache_dir": str(root / "cache"), "offline": True}
        return lambda: fetch_dataset("text", entry, root / "results" / "raw" / LANG / "text", downloads, f"languages.{LANG}.text")
    if case.kind == "config":
        study = yaml.safe_load((REPO / "demo" / "config.yaml").read_text(encoding="utf-8"))
        case.options["edit"](study)
        return lambda: validate(study)
    return _download_job(case, root, server)


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in (root / "results").rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_one_message_and_leaves_nothing(case: Case, tmp_path: Path, server: FixtureServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # paths in messages are relative, as a user writes them in the config
    (tmp_path / "results").mkdir()
    job = _job(case, tmp_path, server)
    before = _snapshot(tmp_path)
    caught: list[BaseException] = []

    with pytest.raises(SystemExit) as exit_info, stage_log(tmp_path / "logs" / "job.log"):
        try:
            job()
        except BaseException as err:
            caught.append(err)
            raise

    assert exit_info.value.code == 1
    assert caught and isinstance(caught[0], case.error), caught
    stderr = capsys.readouterr().err
    errors = [line for line in stderr.splitlines() if " ERROR specmlm: " in line]
    assert len(errors) == 1, stderr
    message = stderr.split(" ERROR specmlm: ", 1)[1]  # the first line says it all; a download adds what to do
    assert "Traceback" not in stderr
    assert message in (tmp_path / "logs" / "job.log").read_text(encoding="utf-8")
    first = message.splitlines()[0]
    assert case.key is None or f"config key '{case.key}'" in first, message
    if case.kind in ("ud", "ner"):
        split = case.key.rsplit(".", 1)[1]
        user_path = f"data/{case.kind}/{split}.{'conllu' if case.kind == 'ud' else 'txt'}"
        assert message.startswith(user_path + (f":{case.line} " if case.line else " ")), message
    if case.kind == "text":
        part = case.key.rsplit(".", 1)[1]
        assert message.startswith(f"data/part{part}.txt" + (f":{case.line} " if case.line else " ")), message
    if case.kind == "download" and case.options["dataset"] not in ("model",) and not case.options.get("local_missing") and not case.options.get("local_pin"):
        assert first.startswith("http://127.0.0.1:"), message
    assert _snapshot(tmp_path) == before
    assert not [p for p in (tmp_path / "results").rglob(".*")], "a temporary file was left behind"


def test_the_table_holds_at_least_sixty_cases_of_every_kind() -> None:
    kinds = {kind: sum(case.kind == kind for case in CASES) for kind in ("ud", "ner", "text", "config", "download")}
    assert sum(kinds.values()) >= 60 and min(kinds.values()) >= 5, kinds
    assert len({case.name for case in CASES}) == len(CASES)


# --- through snakemake: the message a user sees, end to end ------------------------------


def _absolute(value: object) -> object:
    """The demo config with its data paths made absolute, so it runs from any directory."""
    if isinstance(value, dict):
        return {key: _absolute(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_absolute(item) for item in value]
    return str(REPO / value) if isinstance(value, str) and value.startswith("demo/") else value


def test_through_snakemake_each_bad_input_is_one_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train.conllu").write_text(ud_edit(5, 6, "1", ud_edit(4, 6, "2")), encoding="utf-8")
    for split in ("dev", "test"):
        (bad / f"{split}.conllu").write_text(UD_GOOD, encoding="utf-8")
    (bad / "corpus.txt").write_bytes(gzip.compress(TEXT_GOOD.encode()))
    study = _absolute(yaml.safe_load((REPO / "demo" / "config.yaml").read_text(encoding="utf-8")))
    study["study"] = {"name": "bad", "languages": ["wo", "mt"], "tasks": ["pos"], "variants": ["mbert"], "seeds": [0]}
    assert "transfer" not in study
    wo, mt = study["languages"]["wo"], study["languages"]["mt"]
    wo["ud"]["files"] = {split: f"bad/{split}.conllu" for split in SPLITS}
    wo["text"]["files"] = ["bad/corpus.txt"]
    wo["ner"] = {"format": "conll", "files": {split: str(DEMO / f"ner/en/wikiann-rahimi/{split}") for split in SPLITS}}
    mt["ud"] = {"treebank": "UD_Maltese-MUDT", "pos_column": "xpos", "source": {"code": "mt_mudt", "tag": "r2.5", "url": "http://127.0.0.1:9/{treebank}/{tag}/{file}", "licence": "CC BY-SA 4.0", "citation": "UD 2.5"}}
    study["downloads"]["cache_dir"] = "cache"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), encoding="utf-8")
    targets = ["results/data/wo/ud/report.json", "results/raw/wo/text/corpus.txt", "results/data/wo/ner/report.json", "results/raw/mt/ud/train.conllu"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}

    result = subprocess.run(
        [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--cores", "1", "--keep-going", *targets, "--configfile", "bad.yaml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    messages = re.findall(r" ERROR specmlm: (.+)", result.stderr)
    expected = [
        r"^bad/train\.conllu:4 \(config key 'languages\.wo\.ud\.files\.train'\): HEADs form a cycle 1 -> 2 -> 1",
        r"^bad/corpus\.txt:1 \(config key 'languages\.wo\.text\.files\.0'\): found a gzip-compressed file",
        r"wikiann-rahimi/train:1 \(config key 'languages\.wo\.ner\.files\.train'\): .*the config declares format: conll, expected format: wikiann",
        r"^http://127\.0\.0\.1:9/UD_Maltese-MUDT/r2\.5/mt_mudt-ud-train\.conllu \(config key 'languages\.mt\.ud\.source'\): could not download it",
    ]
    assert len(messages) == len(expected), output
    for pattern in expected:
        assert sum(bool(re.search(pattern, message)) for message in messages) == 1, (pattern, messages)
    assert not (tmp_path / "results" / "data").exists() or not [p for p in (tmp_path / "results" / "data").rglob("*") if p.is_file()]
    assert not [p for p in (tmp_path / "results").rglob(".*")], "a temporary file was left behind"


# --- kill -9 and SIGTERM: temporary files never pass for outputs ---------------------------

WRITER = """
import sys, time
from specmlm.atomic import atomic_open
from specmlm.logs import stage_log
with stage_log(sys.argv[2], [sys.argv[1]]):
    with atomic_open(sys.argv[1]) as handle:
        handle.write("half")
        handle.flush()
        print("writing", flush=True)
        time.sleep(60)
"""


def _writer(tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    output = tmp_path / "results" / "data" / "train.conllu"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(output), str(tmp_path / "job.log")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    return process, output


def test_kill_9_leaves_a_hidden_temporary_that_the_next_attempt_sweeps(tmp_path: Path) -> None:
    process, output = _writer(tmp_path)
    process.kill()
    process.wait(timeout=10)
    (leftover,) = output.parent.iterdir()
    assert leftover.name.startswith(".train.conllu.") and leftover.name.endswith(".tmp")
    assert not output.exists()
    other = output.parent / ".dev.conllu.abc.tmp"  # another output's temporary: not this job's
    other.write_text("x", encoding="utf-8")

    with stage_log(tmp_path / "next.log", [output]):
        pass

    assert list(output.parent.iterdir()) == [other]
    assert sweep_temporaries([output]) == []


def test_sigterm_unwinds_and_removes_the_temporary(tmp_path: Path) -> None:
    process, output = _writer(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == 128 + signal.SIGTERM
    assert list(output.parent.iterdir()) == []
    assert "Traceback" not in stderr


def test_a_bug_keeps_its_traceback_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info, stage_log(tmp_path / "job.log"):
        {}["missing"]  # noqa: B018 (a bug on purpose)
    assert exit_info.value.code == 1
    stderr = capsys.readouterr().err
    assert stderr.count("Traceback (most recent call last)") == 1 and "KeyError: 'missing'" in stderr
    assert "this is a bug" in (tmp_path / "job.log").read_text(encoding="utf-8")


def test_a_line_of_a_joined_corpus_is_named_in_the_part_it_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from specmlm.logs import describe

    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("one\ntwo\n", encoding="utf-8")
    Path("b.txt").write_text("three\nfour\nfive\n", encoding="utf-8")
    (corpus,) = fetch_dataset("text", {"format": "lines", "files": ["a.txt", "b.txt"]}, "results/raw/xx/text", {"cache_dir": "cache", "offline": True}, "languages.xx.text")
    assert corpus.read_text(encoding="utf-8").split("\n")[5] == "five"

    message = describe(InputError(corpus, 6, "found 'five'; expected something else"))

    assert message == "b.txt:3 (config key 'languages.xx.text.files.1'): found 'five'; expected something else"
