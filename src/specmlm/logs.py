"""The script boundary: one log file per job, the same lines on the terminal, one message per error.

Every workflow script runs inside :func:`stage_log`. A :class:`~specmlm.errors.UserError` (bad
data, bad config, a failed download) is logged as one message naming the file as the user wrote
it in the config, the config key and the line, and ends the job with exit status 1 and no
traceback. Any other exception is a bug: its traceback is logged once, then the job ends the same
way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FrameType
from typing import NoReturn

from specmlm.atomic import sweep_temporaries
from specmlm.errors import UserError
from specmlm.download.sources import origin, origin_line

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def describe(err: UserError) -> str:
    """The message of ``err``, naming the user's file, key and line instead of a copy under
    results/raw/ (for a corpus joined from several files, the part the line came from)."""
    if err.path is None:
        return err.render()
    if err.line is not None and (found := origin_line(err.path, err.line)):
        return err.render(*found)
    if found := origin(err.path):
        return err.render(*found)  # the key of this very file, more precise than a section's
    return err.render()


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def stage_log(path: str | Path | None, outputs: Iterable[str | Path] = ()) -> Iterator[logging.Logger]:
    """Run one stage: log to ``path`` and stderr, and turn user errors into one message.

    Temporary files a killed earlier attempt left beside ``outputs`` are removed first, and a
    SIGTERM (Snakemake stopping a job) unwinds like an exception, so this attempt's temporary
    files are removed too.
    """
    root = logging.getLogger()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, mode="w", encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    logger = logging.getLogger("specmlm")
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        sweep_temporaries(outputs)
        yield logger
    except UserError as err:
        logger.error("%s", describe(err))
        raise SystemExit(1) from None
    except Exception:
        logger.exception("stage failed: this is a bug, not a mistake in the input; please report it with the traceback")
        raise SystemExit(1) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()


def exit_now() -> NoReturn:
    """End a job whose outputs are all written, skipping the interpreter's teardown.

    Unloading torch and transformers at exit takes 1-2 s of CPU, paid by every fine-tuning job
    (70+ in the demo) after its work is done. Call it after :func:`stage_log` has closed its
    log file; a failed job never gets here and exits through the usual path.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
