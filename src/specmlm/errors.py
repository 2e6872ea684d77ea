"""Errors a user can act on: one type per class of mistake, each rendered as one message.

A :class:`UserError` names what the user wrote (a file and line, a config key, a URL) and what
was expected. The script boundary (:func:`specmlm.logs.stage_log`) prints it once, without a
traceback, and ends the job with exit status 1; any other exception is a bug and keeps its
traceback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


class UserError(Exception):
    """A mistake in the user's data, config or sources; ``render`` gives its one message.

    ``path`` and ``line`` locate it in a file, ``key`` is the dotted config key that names the
    file or holds the value.
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None, key: str | None = None) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.key = key
        super().__init__(self.render())

    def render(self, path: str | None = None, key: str | None = None, line: int | None = None) -> str:
        """``path:line (config key 'k'): message``; the arguments override the stored values
        (the boundary passes the user's file, key and line for a copy under ``results/raw/``)."""
        path, key, line = path or self.path, key or self.key, line or self.line
        where = f"{path}:{line}" if path is not None and line is not None else path
        parts = [part for part in (where, f"config key '{key}'" if key else None) if part]
        if not parts:
            return self.message
        head = parts[0] if len(parts) == 1 else f"{parts[0]} ({parts[1]})"
        return f"{head}: {self.message}"

    def __str__(self) -> str:
        return self.render()


class InputError(UserError, ValueError):
    """Malformed input data, reported as ``file:line: what was found; what was expected``.

    Raised before any output is written, so a failed stage leaves nothing half-done behind.
    """

    def __init__(self, path: str | Path, line: int | None, message: str, key: str | None = None) -> None:
        super().__init__(message, path=path, line=line, key=key)


class ConfigError(UserError, ValueError):
    """An invalid configuration value, reported with the dotted key that holds it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message, key=key)


class DownloadError(UserError, RuntimeError):
    """A file could not be obtained or verified; the message says what was tried and what to do."""

    def __init__(self, message: str, *, source: str | None = None, key: str | None = None) -> None:
        super().__init__(message, path=source, key=key)


@contextlib.contextmanager
def keyed(key: str) -> Iterator[None]:
    """Stamp ``key`` on a :class:`UserError` raised inside that does not name a key yet.

    The code that reads a file rarely knows which config key named it; its caller does.
    """
    try:
        yield
    except UserError as err:
        if err.key is None:
            err.key = key
            err.args = (err.render(),)
        raise
