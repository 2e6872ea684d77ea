"""The download stage: treebanks, NER data, Wikipedia text and base models, verified and cached.

One function per source, each taking its config entry, an output directory and the
:class:`FetchOptions` built from the config's ``downloads`` section:

- :func:`fetch_ud` -> ``{out}/{train,dev,test}.conllu``
- :func:`fetch_wikiann` -> ``{out}/{train,dev,test}.txt`` (``lang:token<TAB>tag``)
- :func:`fetch_text` -> ``{out}/corpus.txt`` (BERT format)
- :func:`fetch_model_entry` (or :func:`fetch_model`) -> a model directory

and every dataset directory also gets ``SOURCE.json`` and ``LICENSE.md``.
:func:`air_gap_manifest` lists what they would download, for an offline cluster.
"""

from specmlm.download.archive import UnsafeArchiveError, safe_extract
from specmlm.download.fetch import ChecksumError, Fetched, FetchError, RetryPolicy, cache_path, fetch
from specmlm.download.manifest import air_gap_manifest
from specmlm.download.models import fetch_model, fetch_model_entry
from specmlm.download.plan import FetchOptions, fetch_options
from specmlm.download.provenance import write_provenance
from specmlm.download.text import fetch_text
from specmlm.download.ud import fetch_ud
from specmlm.download.wikiann import fetch_wikiann

__all__ = [
    "ChecksumError",
    "FetchError",
    "FetchOptions",
    "Fetched",
    "RetryPolicy",
    "UnsafeArchiveError",
    "air_gap_manifest",
    "cache_path",
    "fetch",
    "fetch_model",
    "fetch_model_entry",
    "fetch_options",
    "fetch_text",
    "fetch_ud",
    "fetch_wikiann",
    "safe_extract",
    "write_provenance",
]
