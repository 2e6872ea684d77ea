"""Safe extraction of downloaded archives: nothing may land outside the target directory.

An archive from the network is untrusted input. Every member is checked before anything is
written: no absolute path, no ``..`` escaping the target, no symlink or hard link pointing
outside it, no device file or FIFO. An unsafe archive is rejected whole, and extraction goes
through a temporary directory, so a failed extraction leaves nothing half-written.
"""

from __future__ import annotations

import bz2
import gzip
import os
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Collection
from pathlib import Path, PurePosixPath
from typing import TypeVar

from specmlm.errors import InputError

Member = TypeVar("Member", tarfile.TarInfo, zipfile.ZipInfo)

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2")
SINGLE_FILE_OPENERS = {".bz2": bz2.open, ".gz": gzip.open}


class UnsafeArchiveError(InputError):
    """An archive member would escape the target directory or is not a plain file/directory."""


def safe_extract(archive: str | Path, target: str | Path, members: Collection[str] | None = None) -> list[Path]:
    """Extract ``archive`` (zip, tar, tar.gz, tar.bz2, or a single .bz2/.gz file) under ``target``.

    ``members`` limits extraction to those member names (all are still checked). Returns
    the extracted regular files. Raises :class:`UnsafeArchiveError` before writing anything
    if any member is unsafe, and :class:`InputError` if a requested member is missing.
    """
    archive, target = Path(archive), Path(target)
    name = archive.name.lower()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".extract-") as staging_name:
        staging = Path(staging_name)
        if name.endswith(TAR_SUFFIXES):
            _extract_tar(archive, staging, members)
        elif name.endswith(".zip"):
            _extract_zip(archive, staging, members)
        elif archive.suffix.lower() in SINGLE_FILE_OPENERS:
            _decompress(archive, staging / archive.stem)
        else:
            raise InputError(archive, None, "unknown archive type; expected .zip, .tar(.gz|.bz2), .tgz, .bz2 or .gz")
        return _move_into(staging, target)


def _check_name(archive: Path, name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(":")):
        raise UnsafeArchiveError(archive, None, f"member {name!r} has an absolute path")
    if ".." in path.parts:
        raise UnsafeArchiveError(archive, None, f"member {name!r} would be written outside the target directory")


def _extract_tar(archive: Path, staging: Path, members: Collection[str] | None) -> None:
    try:
        with tarfile.open(archive) as tar:
            infos = tar.getmembers()
            for info in infos:
                _check_name(archive, info.name)
                if not (info.isfile() or info.isdir() or info.issym() or info.islnk()):
                    raise UnsafeArchiveError(archive, None, f"member {info.name!r} is a device file or FIFO")
                try:
                    tarfile.data_filter(info, str(staging))
                except tarfile.FilterError as err:
                    raise UnsafeArchiveError(archive, None, f"member {info.name!r}: {err}") from None
            chosen = _select(archive, infos, members, key=lambda info: info.name)
            tar.extractall(staging, members=chosen, filter="data")
    except (tarfile.ReadError, tarfile.CompressionError, EOFError) as err:
        raise InputError(archive, None, f"cannot read tar archive: {err}") from None


def _extract_zip(archive: Path, staging: Path, members: Collection[str] | None) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            for info in infos:
                _check_name(archive, info.filename)
                kind = stat.S_IFMT(info.external_attr >> 16)
                if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                    raise UnsafeArchiveError(archive, None, f"member {info.filename!r} is a link or special file")
            for info in _select(archive, infos, members, key=lambda info: info.filename):
                zf.extract(info, staging)
    except zipfile.BadZipFile as err:
        raise InputError(archive, None, f"cannot read zip archive: {err}") from None


def _select(
    archive: Path, infos: list[Member], members: Collection[str] | None, key: Callable[[Member], str]
) -> list[Member]:
    if members is None:
        return infos
    wanted = set(members)
    chosen = [info for info in infos if key(info) in wanted]
    missing = wanted - {key(info) for info in chosen}
    if missing:
        raise InputError(archive, None, f"expected member(s) {sorted(missing)} not found in the archive")
    return chosen


def _decompress(archive: Path, out: Path) -> None:
    try:
        with SINGLE_FILE_OPENERS[archive.suffix.lower()](archive, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, EOFError) as err:
        raise InputError(archive, None, f"cannot decompress: {err}") from None


def _move_into(staging: Path, target: Path) -> list[Path]:
    """Move the staged tree into ``target`` entry by entry; return the regular files placed."""
    placed: list[Path] = []
    for root, dirs, files in os.walk(staging):
        rel = Path(root).relative_to(staging)
        for name in [*dirs, *files]:
            source, dest = Path(root) / name, target / rel / name
            if source.is_dir() and not source.is_symlink():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            os.replace(source, dest)
            if not dest.is_symlink():
                placed.append(dest)
    return sorted(placed)
