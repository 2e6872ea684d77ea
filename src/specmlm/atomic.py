"""Whole-or-nothing file writes: a stage killed mid-write leaves no partial output.

Every temporary file or directory is named ``.{target}.{random}.tmp`` beside its target: hidden,
never a declared output, matched by no reader's pattern. An exception (or SIGTERM, which the
script boundary turns into one) removes it; after a ``kill -9`` the next attempt of the same job
removes it before it starts (:func:`sweep_temporaries`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any


def temporary_prefix(target: Path) -> str:
    """The name prefix of every temporary file or directory that becomes ``target``."""
    return f".{target.name}."


TEMPORARY_SUFFIX = ".tmp"


def sweep_temporaries(outputs: Iterable[str | Path]) -> list[Path]:
    """Remove what a killed earlier attempt left beside ``outputs``; return what was removed.

    Safe at the start of a job: Snakemake never runs two jobs that write the same output, so
    nothing else is writing these names.
    """
    removed: list[Path] = []
    for output in map(Path, outputs):
        if not output.parent.is_dir():
            continue
        for leftover in output.parent.glob(f"{glob.escape(temporary_prefix(output))}*{TEMPORARY_SUFFIX}"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()
            removed.append(leftover)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and rename it over ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path), suffix=TEMPORARY_SUFFIX)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes the file private; outputs are ordinary files
    binary = "b" in mode
    try:
        with open(tmp, mode, encoding=None if binary else encoding, newline=None if binary else "\n") as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented, key-sorted JSON, atomically."""
    with atomic_open(path) as handle:
        json.dump(data, handle, indent=2, sort_keys=True, ensure_ascii=False)
        handle.write("\n")


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` atomically."""
    with atomic_open(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def staged_directory(out_dir: str | Path) -> Iterator[Path]:
    """Yield a fresh directory beside ``out_dir`` that replaces ``out_dir`` only on success.

    ``save_pretrained`` writes several files; staging them keeps a killed stage from leaving a
    directory that loads but is incomplete.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=temporary_prefix(out_dir), suffix=TEMPORARY_SUFFIX))
    stage.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the result is an ordinary directory
    try:
        yield stage
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
