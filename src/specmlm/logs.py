"""Logging for workflow scripts: one log file per job, the same lines on the terminal.

Errors a user can act on (bad input, bad config) are logged as one line and end the job
with exit status 1 instead of a traceback from deep inside a library.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from specmlm.errors import ConfigError, InputError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def stage_log(path: str | Path | None) -> Iterator[logging.Logger]:
    """Send logging to ``path`` and stderr for the duration of one stage."""
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
    try:
        yield logger
    except (InputError, ConfigError) as err:
        logger.error("%s", err)
        raise SystemExit(1) from None
    except Exception:
        logger.exception("stage failed")
        raise
    finally:
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
