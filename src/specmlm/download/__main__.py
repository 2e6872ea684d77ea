"""``python -m specmlm.download manifest CONFIG.yaml [--cache-dir DIR]``: the air-gap file list.

Prints ``URL<TAB>PATH`` per file. ``--cache-dir`` replaces ``downloads.cache_dir`` so the
list can be fetched into a scratch copy of the cache on a connected machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from specmlm.download.manifest import air_gap_manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m specmlm.download", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    manifest = commands.add_parser("manifest", help="list every file the config downloads, and where it goes")
    manifest.add_argument("config", type=Path)
    manifest.add_argument("--cache-dir", type=Path, help="cache directory to list paths under")
    args = parser.parse_args(argv)
    config = yaml.safe_load(args.config.read_text(encoding="utf-8")) or {}
    if args.cache_dir is not None:
        config["downloads"] = {**(config.get("downloads") or {}), "cache_dir": str(args.cache_dir)}
    for url, path in air_gap_manifest(config):
        sys.stdout.write(f"{url}\t{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
