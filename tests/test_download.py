"""The download stage against a real HTTP server on 127.0.0.1 serving fixture files.

Each server is bounded: it answers at most ``max_requests`` requests, shuts itself down after
``lifetime_s`` seconds, and every test stops it on exit. Retry waits are milliseconds.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import socket
import stat
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from specmlm.download.archive import UnsafeArchiveError, safe_extract
from specmlm.download.fetch import ChecksumError, FetchError, RetryPolicy, cache_path, fetch
from specmlm.download.manifest import air_gap_manifest
from specmlm.download.models import fetch_model, fetch_model_entry
from specmlm.download.plan import FetchOptions, fetch_options
from specmlm.download.text import fetch_text
from specmlm.download.ud import fetch_ud
from specmlm.download.wikiann import fetch_wikiann
from specmlm.download.__main__ import main as download_cli
from specmlm.download.ud import ud_remotes
from specmlm.errors import ConfigError, InputError
from specmlm.formats.conllu import read_ud
from specmlm.formats.ner import read_ner
from tests.conftest import DEMO_DATA, TEST_DATA

DATA = Path(__file__).parent / "data" / "download"
UD_MIRRORS = {"ug": DEMO_DATA / "ud", "wo": DEMO_DATA / "ud", "mt": DEMO_DATA / "ud",
              "be": TEST_DATA / "ud-r2.5", "ga": TEST_DATA / "ud-r2.5", "vi": TEST_DATA / "ud-r2.5"}
"""The real r2.5 treebanks the paper's pins name, as shipped in this repository."""
PAPER_CONFIG = Path(__file__).parents[1] / "config.yaml"
FAST = RetryPolicy(attempts=3, backoff_s=0.01, max_backoff_s=0.02, deadline_s=10.0, timeout_s=5.0, chunk_bytes=256)
UD_FILE = DATA / "ud" / "UD_Belarusian-HSE" / "be_hse-ud-train.conllu"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FixtureServer(HTTPServer):
    """Serves ``files`` (URL path -> bytes), with optional misbehaviour, and logs each request."""

    def __init__(
        self,
        files: dict[str, bytes],
        *,
        honour_range: bool = True,
        drop_after: int | None = None,
        drops: int = 0,
        failures: int = 0,
        max_requests: int = 40,
        lifetime_s: float = 30.0,
    ) -> None:
        super().__init__(("127.0.0.1", 0), FixtureHandler)
        self.files = dict(files)
        self.honour_range = honour_range
        self.drop_after, self.drops, self.failures = drop_after, drops, failures
        self.max_requests = max_requests
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()
        self.timer = threading.Timer(lifetime_s, self.shutdown)
        self.timer.daemon = True

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class FixtureHandler(BaseHTTPRequestHandler):
    timeout = 5
    server: FixtureServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        server = self.server
        with server.lock:
            server.requests.append((self.path, self.headers.get("Range")))
            count, failing = len(server.requests), server.failures > 0
            server.failures -= failing
        if count > server.max_requests:
            self.send_error(503, "request budget of the test server exhausted")
            threading.Thread(target=server.shutdown, daemon=True).start()
            return
        if failing:
            self.send_error(503, "try again")
            return
        data = server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        requested = self.headers.get("Range")
        if server.honour_range and requested and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[6:-1])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("ETag", f'"{sha(data)[:16]}"')
        self.end_headers()
        body = data[start:]
        with server.lock:
            drop, server.drops = server.drops > 0, max(server.drops - 1, 0)
        if drop and server.drop_after is not None:
            self.wfile.write(body[: server.drop_after])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


@pytest.fixture
def serve() -> Iterator:
    servers: list[tuple[FixtureServer, threading.Thread]] = []

    def start(files: dict[str, bytes], **options: object) -> FixtureServer:
        server = FixtureServer(files, **options)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        server.timer.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.timer.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- fetch ----------------------------------------------------------------------------------


def test_download_records_checksum_and_second_fetch_makes_no_request(serve, tmp_path):
    data = UD_FILE.read_bytes()
    server = serve({"/ud/be_hse-ud-train.conllu": data})
    url = f"{server.base}/ud/be_hse-ud-train.conllu"
    dest, cache = tmp_path / "raw" / "train.conllu", tmp_path / "cache"

    result = fetch(url, dest, None, cache, retry=FAST)

    assert dest.read_bytes() == data and result.sha256 == sha(data)
    cached = cache_path(url, cache)
    assert cached == cache / "127.0.0.1" / "ud" / "be_hse-ud-train.conllu"
    assert (cached.parent / "be_hse-ud-train.conllu.sha256").read_text() == f"{sha(data)}  be_hse-ud-train.conllu\n"
    assert len(server.requests) == 1
    fetch(url, dest, None, cache, retry=FAST)
    dest.unlink()
    fetch(url, dest, None, cache, retry=FAST)
    assert dest.read_bytes() == data
    assert len(server.requests) == 1
    assert not list(cached.parent.glob("*.part"))


def test_pinned_checksum_mismatch_names_url_and_both_hashes_and_writes_nothing(serve, tmp_path):
    good = UD_FILE.read_bytes()
    corrupted = good[:100] + b"#" + good[101:]
    server = serve({"/be_hse-ud-train.conllu": corrupted})
    url = f"{server.base}/be_hse-ud-train.conllu"
    dest = tmp_path / "raw" / "train.conllu"

    with pytest.raises(ChecksumError) as caught:
        fetch(url, dest, sha(good), tmp_path / "cache", retry=FAST)

    message = str(caught.value)
    assert url in message and sha(good) in message and sha(corrupted) in message
    assert not dest.exists()
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and not p.name.endswith((".lock", ".json"))]


def test_hash_recorded_on_first_download_catches_a_later_change_upstream(serve, tmp_path):
    server = serve({"/f.txt": b"first version\n"})
    url, cache = f"{server.base}/f.txt", tmp_path / "cache"
    fetch(url, None, None, cache, retry=FAST)
    cache_path(url, cache).unlink()
    server.files["/f.txt"] = b"second version\n"

    with pytest.raises(ChecksumError, match="recorded on first download"):
        fetch(url, tmp_path / "f.txt", None, cache, retry=FAST)
    assert not (tmp_path / "f.txt").exists() and not cache_path(url, cache).exists()


def test_dropped_connection_resumes_with_range_request(serve, tmp_path):
    data = (DATA / "ud" / "UD_Belarusian-HSE" / "be_hse-ud-test.conllu").read_bytes()
    server = serve({"/test.conllu": data}, drop_after=1000, drops=1)

    fetch(f"{server.base}/test.conllu", tmp_path / "test.conllu", sha(data), tmp_path / "cache", retry=FAST)

    assert (tmp_path / "test.conllu").read_bytes() == data
    assert server.requests == [("/test.conllu", None), ("/test.conllu", "bytes=1000-")]


def test_server_ignoring_range_restarts_the_download_cleanly(serve, tmp_path):
    data = (DATA / "ud" / "UD_Belarusian-HSE" / "be_hse-ud-test.conllu").read_bytes()
    server = serve({"/test.conllu": data}, drop_after=1000, drops=1, honour_range=False)

    fetch(f"{server.base}/test.conllu", tmp_path / "test.conllu", None, tmp_path / "cache", retry=FAST)

    assert (tmp_path / "test.conllu").read_bytes() == data
    assert [r[1] for r in server.requests] == [None, "bytes=1000-"]


def test_retryable_errors_are_retried_and_permanent_ones_fall_through_to_a_mirror(serve, tmp_path):
    data = b"mirror content\n"
    flaky = serve({"/a/f.txt": data}, failures=2)
    fetch(f"{flaky.base}/a/f.txt", tmp_path / "one.txt", sha(data), tmp_path / "cache", retry=FAST)
    assert (tmp_path / "one.txt").read_bytes() == data and len(flaky.requests) == 3

    primary, mirror = serve({}), serve({"/m/f.txt": data})
    url = f"{primary.base}/a/f.txt"
    result = fetch(url, tmp_path / "two.txt", None, tmp_path / "cache2", mirrors=[f"{mirror.base}/m/f.txt"], retry=FAST)
    assert len(primary.requests) == 1, "a 404 is not retried"
    assert result.source == f"{mirror.base}/m/f.txt" and cache_path(url, tmp_path / "cache2").read_bytes() == data


def test_unreachable_host_says_which_file_and_exactly_where_to_put_it(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/UniversalDependencies/UD_Belarusian-HSE/r2.5/be_hse-ud-train.conllu"
    cache, dest = tmp_path / "cache", tmp_path / "raw" / "train.conllu"

    with pytest.raises(FetchError) as caught:
        fetch(url, dest, None, cache, retry=FAST)

    expected_place = (
        cache / "127.0.0.1" / "UniversalDependencies" / "UD_Belarusian-HSE" / "r2.5" / "be_hse-ud-train.conllu"
    )
    message = str(caught.value)
    assert "be_hse-ud-train.conllu" in message and url in message and "ConnectionRefusedError" in message
    assert f"put it exactly at\n  {expected_place}\n" in message
    assert not dest.exists()

    expected_place.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(UD_FILE, expected_place)
    result = fetch(url, dest, None, cache, retry=FAST, offline=True)
    assert dest.read_bytes() == UD_FILE.read_bytes() and result.sha256 == sha(UD_FILE.read_bytes())


def test_offline_mode_makes_no_request(serve, tmp_path):
    server = serve({"/f.txt": b"x\n"})
    with pytest.raises(FetchError, match="offline mode"):
        fetch(f"{server.base}/f.txt", tmp_path / "f.txt", None, tmp_path / "cache", offline=True)
    assert server.requests == []


def test_local_path_and_file_url_are_copied_and_verified(tmp_path):
    data = UD_FILE.read_bytes()
    fetch(str(UD_FILE), tmp_path / "a.conllu", sha(data), tmp_path / "cache")
    fetch(UD_FILE.as_uri(), tmp_path / "b.conllu", None, tmp_path / "cache")
    assert (tmp_path / "a.conllu").read_bytes() == data == (tmp_path / "b.conllu").read_bytes()
    with pytest.raises(ChecksumError, match=sha(data)):
        fetch(str(UD_FILE), tmp_path / "c.conllu", "0" * 64, tmp_path / "cache")
    assert not (tmp_path / "c.conllu").exists()
    with pytest.raises(FetchError, match="does not exist"):
        fetch(str(tmp_path / "missing.conllu"), tmp_path / "d.conllu", None, tmp_path / "cache")


# --- archives -------------------------------------------------------------------------------


def test_archive_with_traversal_and_outward_symlink_is_rejected_whole(tmp_path):
    target = tmp_path / "out" / "inner"
    with pytest.raises(UnsafeArchiveError, match=r"\.\./escaped\.txt"):
        safe_extract(DATA / "unsafe" / "evil.tar.gz", target)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def tar_with(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        member.size = len(data) if member.isreg() else 0
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return buffer.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize(
    ("info", "reason"),
    [
        (member("/etc/cron.d/evil"), "absolute"),
        (member("a/../../evil"), "outside"),
        (member("link", tarfile.SYMTYPE, "/etc/passwd"), "link"),
        (member("hard", tarfile.LNKTYPE, "../../outside"), "outside"),
        (member("dev", tarfile.CHRTYPE), "device"),
        (member("fifo", tarfile.FIFOTYPE), "device"),
    ],
)
def test_unsafe_tar_members_are_rejected(tmp_path, info, reason):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(tar_with(info, b"x"))
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(archive, tmp_path / "out")
    assert reason in str(caught.value).lower() or "outside" in str(caught.value).lower()
    assert [p for p in (tmp_path / "out").rglob("*") if not p.is_dir()] == []


def test_unsafe_zip_members_are_rejected(tmp_path):
    traversal = tmp_path / "traversal.zip"
    with zipfile.ZipFile(traversal, "w") as zf:
        zf.writestr("../evil.txt", "x")
    symlink = tmp_path / "symlink.zip"
    with zipfile.ZipFile(symlink, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    for archive in (traversal, symlink):
        with pytest.raises(UnsafeArchiveError):
            safe_extract(archive, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "link").exists()


def test_safe_archives_extract_selected_members(tmp_path):
    (tarball,) = safe_extract(DATA / "wikiann" / "panx_dataset.zip", tmp_path / "zip", members=["be.tar.gz"])
    files = safe_extract(tarball, tmp_path / "tar", members=["train", "dev"])
    assert [f.name for f in files] == ["dev", "train"]
    assert (tmp_path / "tar" / "train").read_bytes() == (DATA / "wikiann" / "be-rahimi" / "train").read_bytes()
    with pytest.raises(InputError, match="extra"):
        safe_extract(tarball, tmp_path / "tar2", members=["extra"])
    (plain,) = safe_extract(DATA / "wikipedia" / "bewiki-20231101-pages-articles.xml.bz2", tmp_path / "bz2")
    assert plain.read_bytes() == (DATA / "wikipedia" / "bewiki-20231101-pages-articles.xml").read_bytes()


# --- source adapters ------------------------------------------------------------------------


def ud_entry(base: str, **extra: object) -> dict:
    return {
        "treebank": "UD_Belarusian-HSE",
        "code": "be_hse",
        "tag": "r2.5",
        "url": base + "/UniversalDependencies/{treebank}/{tag}/{file}",
        "extras": ["LICENSE.txt", "README.md", "stats.xml"],
        "licence": "CC BY-SA 4.0",
        "citation": "Zeman et al. (2019), Universal Dependencies 2.5",
        **extra,
    }


def test_ud_treebank_download_writes_splits_and_provenance(serve, tmp_path):
    tree = DATA / "ud" / "UD_Belarusian-HSE"
    server = serve({f"/UniversalDependencies/UD_Belarusian-HSE/r2.5/{p.name}": p.read_bytes() for p in tree.iterdir()})
    pins = {"be_hse-ud-dev.conllu": sha((tree / "be_hse-ud-dev.conllu").read_bytes())}
    out = tmp_path / "raw" / "ud" / "be"

    files = fetch_ud(ud_entry(server.base, sha256=pins), out, FetchOptions(tmp_path / "cache", FAST))

    assert {split: path.name for split, path in files.items()} == {
        "train": "train.conllu", "dev": "dev.conllu", "test": "test.conllu"
    }  # fmt: skip
    for split in ("train", "dev", "test"):
        assert files[split].read_bytes() == (tree / f"be_hse-ud-{split}.conllu").read_bytes()
        assert len(read_ud(files[split])) == 2
    assert (out / "LICENSE.txt").read_bytes() == (tree / "LICENSE.txt").read_bytes()
    source = json.loads((out / "SOURCE.json").read_text())
    assert source["licence"] == "CC BY-SA 4.0"
    assert source["files"]["dev.conllu"] == {
        "url": f"{server.base}/UniversalDependencies/UD_Belarusian-HSE/r2.5/be_hse-ud-dev.conllu",
        "sha256": pins["be_hse-ud-dev.conllu"],
    }
    assert source["details"] == {"optional_files_missing": ["stats.xml"]}
    licence = (out / "LICENSE.md").read_text()
    assert "CC BY-SA 4.0" in licence and "Zeman et al. (2019)" in licence


def test_paper_pins_match_the_r25_treebanks(tmp_path):
    languages = yaml.safe_load(PAPER_CONFIG.read_text(encoding="utf-8"))["languages"]
    sources = {lang: {"treebank": e["ud"]["treebank"], **e["ud"]["source"]} for lang, e in languages.items() if "ud" in e}
    present = {lang: entry for lang, entry in sources.items() if "sha256" in entry}
    assert sorted(present) == ["be", "ga", "mt", "ug", "vi", "wo"]
    for lang, entry in present.items():
        mirror = {**entry, "url": str(UD_MIRRORS[lang]) + "/{treebank}/{file}"}
        fetch_ud(mirror, tmp_path / lang, FetchOptions(tmp_path / "cache", FAST))
        assert len(json.loads((tmp_path / lang / "SOURCE.json").read_text())["files"]) == 5
    assert [r.url for r in ud_remotes(sources["bg"])][:3] == [
        f"https://raw.githubusercontent.com/UniversalDependencies/UD_Bulgarian-BTB/r2.5/bg_btb-ud-{s}.conllu"
        for s in ("train", "dev", "test")
    ]


def ner_entry(**extra: object) -> dict:
    return {"lang": "be", "licence": "unknown", "citation": "Rahimi et al. (2019)", **extra}


def test_wikiann_parquet_is_converted_to_the_wikiann_layout(serve, tmp_path):
    parquets = DATA / "wikiann" / "be"
    server = serve(
        {f"/datasets/unimelb-nlp/wikiann/resolve/main/be/{p.name}": p.read_bytes() for p in parquets.iterdir()}
    )
    entry = ner_entry(endpoint=server.base, sentences={"train": 1, "dev": 1, "test": 1})

    files = fetch_wikiann(entry, tmp_path / "ner", FetchOptions(tmp_path / "cache", FAST))

    for split, path in files.items():
        assert path.read_bytes() == (DATA / "wikiann" / "be-rahimi" / split).read_bytes()
    assert read_ner(files["train"], "wikiann").sentences[0].tags == ["B-PER", "I-PER", "O", "O", "O"]
    source = json.loads((tmp_path / "ner" / "SOURCE.json").read_text())
    assert sorted(source["files"]) == [f"{s}-00000-of-00001.parquet" for s in ("test", "train", "validation")]
    assert source["details"]["sentences"] == {"train": 1, "dev": 1, "test": 1}

    with pytest.raises(InputError, match=r"expected 15000 sentences \(ner\.sentences\.train\), found 1"):
        fetch_wikiann(ner_entry(endpoint=server.base, sentences={"train": 15000}), tmp_path / "ner2",
                      FetchOptions(tmp_path / "cache", FAST))  # fmt: skip
    assert len(server.requests) == 3, "the second call is served from the cache"


def test_wikiann_rahimi_archive_gives_the_same_files(serve, tmp_path):
    server = serve({"/wikiann/1.1.0/panx_dataset.zip": (DATA / "wikiann" / "panx_dataset.zip").read_bytes()})
    entry = ner_entry(kind="rahimi-archive", url=f"{server.base}/wikiann/1.1.0/panx_dataset.zip")

    files = fetch_wikiann(entry, tmp_path / "ner", FetchOptions(tmp_path / "cache", FAST))

    for split, path in files.items():
        assert path.read_bytes() == (DATA / "wikiann" / "be-rahimi" / split).read_bytes()
    assert sorted(p.name for p in (tmp_path / "ner").iterdir()) == [
        "LICENSE.md", "SOURCE.json", "dev.txt", "test.txt", "train.txt"
    ]  # fmt: skip


def test_wikiann_parquet_without_class_labels_is_an_input_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from specmlm.download.wikiann import parquet_to_wikiann

    bare = tmp_path / "bare.parquet"
    pq.write_table(pa.table({"tokens": [["a"]], "ner_tags": [[0]]}), bare)
    with pytest.raises(InputError, match="ClassLabel"):
        parquet_to_wikiann(bare, tmp_path / "out.txt", "be")
    legacy = {
        "info": {
            "features": {"ner_tags": {"_type": "Sequence", "feature": {"_type": "ClassLabel", "names": ["O", "B-LOC"]}}}
        }
    }
    table = pa.table({"tokens": [["Мінск", "!"]], "ner_tags": [[1, 0]]})
    pq.write_table(table.replace_schema_metadata({"huggingface": json.dumps(legacy)}), tmp_path / "legacy.parquet")
    assert parquet_to_wikiann(tmp_path / "legacy.parquet", tmp_path / "out.txt", "be") == 1
    assert (tmp_path / "out.txt").read_text() == "be:Мінск\tB-LOC\nbe:!\tO\n\n"


def test_wikipedia_dump_source_downloads_extracts_and_cleans(serve, tmp_path):
    dump = DATA / "wikipedia" / "bewiki-20231101-pages-articles.xml.bz2"
    server = serve({"/mirror/bewiki-20231101/bewiki-20231101-pages-articles.xml.bz2": dump.read_bytes()})
    entry = {
        "lang": "be", "source": "wikipedia-dump", "date": "20231101",
        "url": f"http://127.0.0.1:{free_port()}/" + "{wiki}/{date}/{wiki}-{date}-pages-articles.xml.bz2",
        "mirrors": [server.base + "/mirror/{wiki}-{date}/{wiki}-{date}-pages-articles.xml.bz2"],
        "sha256": {"bewiki-20231101-pages-articles.xml.bz2": sha(dump.read_bytes())},
        "licence": "CC BY-SA 4.0", "citation": "Wikipedia",
    }  # fmt: skip

    corpus = fetch_text(entry, tmp_path / "text", FetchOptions(tmp_path / "cache", FAST))

    assert corpus.read_text(encoding="utf-8") == (DATA / "wikipedia" / "expected-corpus.txt").read_text(
        encoding="utf-8"
    )
    details = json.loads((tmp_path / "text" / "SOURCE.json").read_text())["details"]
    assert details["counts"] == {
        "articles": 3, "documents": 2, "written_documents": 2, "written_sentences": 12, "written_tokens": 67
    }  # fmt: skip


def test_wikipedia_snapshot_source_reads_the_parquet_shards(serve, tmp_path):
    shard = DATA / "wikipedia" / "20231101.be" / "train-00000-of-00001.parquet"
    server = serve(
        {"/datasets/wikimedia/wikipedia/resolve/main/20231101.be/train-00000-of-00001.parquet": shard.read_bytes()}
    )
    entry = {"lang": "be", "endpoint": server.base, "licence": "CC BY-SA 3.0", "citation": "Wikipedia"}

    corpus = fetch_text(entry, tmp_path / "text", FetchOptions(tmp_path / "cache", FAST))

    assert corpus.read_text(encoding="utf-8") == (
        "Мінск — сталіца і найбуйнейшы горад Беларусі .\nГорад стаіць на рацэ Свіслач .\nГісторыя .\n"
        "Мінск упершыню згадваецца ў 1067 годзе .\nЁн рос ...\nхутка !\n\n"
        "Нёман — рака ў Беларусі , Літве і Расіі .\nДаўжыня — 937 км .\n"
    )


def test_model_from_local_directory_or_shared_cache(tmp_path):
    local = tmp_path / "my-bert"
    local.mkdir()
    (local / "config.json").write_text("{}")
    assert fetch_model(str(local), tmp_path / "cache") == local
    with pytest.raises(FetchError, match="does not exist"):
        fetch_model(str(tmp_path / "nowhere"), tmp_path / "cache")

    endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(FetchError) as caught:
        fetch_model("google-bert/bert-base-multilingual-cased", tmp_path / "cache", revision="abc", endpoint=endpoint)
    target = tmp_path / "cache" / "models" / "google-bert" / "bert-base-multilingual-cased" / "abc"
    message = str(caught.value)
    assert f"{endpoint}/google-bert/bert-base-multilingual-cased/resolve/abc/model.safetensors" in message
    assert f"put them exactly in\n  {target}/" in message

    target.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        (target / name).write_text("placed by hand")
    entry = {"source": "google-bert/bert-base-multilingual-cased", "revision": "abc"}
    assert fetch_model_entry(entry, FetchOptions(tmp_path / "cache", FAST, offline=True)) == target
    with pytest.raises(FetchError, match="offline mode"):
        fetch_model_entry({**entry, "revision": "def"}, FetchOptions(tmp_path / "cache", FAST, offline=True))


def test_air_gap_manifest_lists_every_remote_file_of_the_paper_config(tmp_path, capsys):
    config = yaml.safe_load(PAPER_CONFIG.read_text(encoding="utf-8"))
    config["downloads"]["cache_dir"] = str(tmp_path / "cache")

    manifest = dict(air_gap_manifest(config))

    assert len(manifest) == 8 * 5 + 9 * 3 + 15 + 2 * 5  # UD files, WikiAnn splits, text shards, mBERT + XLM-R files
    url = "https://raw.githubusercontent.com/UniversalDependencies/UD_Urdu-UDTB/r2.5/ur_udtb-ud-train.conllu"
    assert (
        manifest[url]
        == tmp_path
        / "cache"
        / "raw.githubusercontent.com"
        / "UniversalDependencies"
        / "UD_Urdu-UDTB"
        / "r2.5"
        / "ur_udtb-ud-train.conllu"
    )
    assert (
        "https://huggingface.co/datasets/wikimedia/wikipedia/resolve/main/20231101.vi/train-00003-of-00004.parquet"
        in manifest
    )
    assert (
        "https://huggingface.co/datasets/unimelb-nlp/wikiann/resolve/main/mhr/validation-00000-of-00001.parquet"
        in manifest
    )
    assert all(path.is_relative_to(tmp_path / "cache") for path in manifest.values())

    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert download_cli(["manifest", str(config_file), "--cache-dir", str(tmp_path / "c2")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(manifest) and lines[0].split("\t")[1].startswith(str(tmp_path / "c2"))


def test_bad_settings_name_the_config_key(tmp_path):
    with pytest.raises(ConfigError, match=r"'downloads\.retry\.attempts'"):
        fetch_options({"cache_dir": str(tmp_path), "retry": {"attempts": 0}})
    with pytest.raises(ConfigError, match=r"'ud\.code'"):
        ud_remotes({"treebank": "UD_Belarusian-HSE"})
    with pytest.raises(ConfigError, match=r"'ner\.kind'"):
        fetch_wikiann(ner_entry(kind="torrent"), tmp_path, FetchOptions(tmp_path / "cache", FAST))
    options = fetch_options({"cache_dir": str(tmp_path), "offline": True, "retry": {"attempts": 2, "timeout_s": 5}})
    assert options.offline and options.retry.attempts == 2 and options.retry.timeout_s == 5.0


def test_pinned_optional_file_that_differs_is_still_an_error(serve, tmp_path):
    tree = DATA / "ud" / "UD_Belarusian-HSE"
    server = serve({f"/UniversalDependencies/UD_Belarusian-HSE/r2.5/{p.name}": p.read_bytes() for p in tree.iterdir()})
    entry = ud_entry(server.base, sha256={"README.md": "0" * 64})
    with pytest.raises(ChecksumError, match="README.md"):
        fetch_ud(entry, tmp_path / "ud", FetchOptions(tmp_path / "cache", FAST))


def test_snapshot_from_a_local_mirror_without_usable_articles_is_an_input_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    mirror = tmp_path / "hf" / "datasets" / "wikimedia" / "wikipedia" / "resolve" / "main" / "20231101.be"
    mirror.mkdir(parents=True)
    rows = {"id": ["104"], "url": ["u"], "title": ["Гродна"], "text": ["Гродна — горад на захадзе Беларусі."]}
    pq.write_table(pa.table(rows), mirror / "train-00000-of-00001.parquet")
    entry = {"lang": "be", "endpoint": (tmp_path / "hf").as_uri(), "licence": "CC BY-SA", "citation": "Wikipedia"}

    with pytest.raises(InputError, match="no article of two or more sentences in 1 articles"):
        fetch_text(entry, tmp_path / "text", FetchOptions(tmp_path / "cache", FAST))
    assert not (tmp_path / "text" / "corpus.txt").exists()


def test_a_download_abandoned_by_one_run_resumes_in_the_next(serve, tmp_path):
    data = (DATA / "ud" / "UD_Belarusian-HSE" / "be_hse-ud-test.conllu").read_bytes()
    server = serve({"/test.conllu": data}, drop_after=1000, drops=2)
    url, one_try = f"{server.base}/test.conllu", RetryPolicy(attempts=2, backoff_s=0.01, timeout_s=5.0)
    with pytest.raises(FetchError, match="2 attempt"):
        fetch(url, tmp_path / "test.conllu", None, tmp_path / "cache", retry=one_try)
    part = cache_path(url, tmp_path / "cache").with_name("test.conllu.part")
    assert part.stat().st_size == 2000 and not (tmp_path / "test.conllu").exists()

    fetch(url, tmp_path / "test.conllu", sha(data), tmp_path / "cache", retry=one_try)

    assert (tmp_path / "test.conllu").read_bytes() == data and not part.exists()
    assert [r[1] for r in server.requests] == [None, "bytes=1000-", "bytes=2000-"]
