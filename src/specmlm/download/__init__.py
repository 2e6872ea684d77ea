"""The download stage: treebanks, NER data, Wikipedia text and base models, verified and cached.

One function per source, each taking its config entry, an output directory and the
:class:`~specmlm.download.plan.FetchOptions` built from the config's ``downloads`` section:

- :func:`specmlm.download.ud.fetch_ud` -> ``{out}/{train,dev,test}.conllu``
- :func:`specmlm.download.wikiann.fetch_wikiann` -> ``{out}/{train,dev,test}.txt`` (``lang:token<TAB>tag``)
- :func:`specmlm.download.text.fetch_text` -> ``{out}/corpus.txt`` (BERT format, articles
  extracted by :mod:`specmlm.download.wikipedia`)
- :func:`specmlm.download.models.fetch_model_entry` -> a model directory

and every dataset directory also gets ``SOURCE.json`` and ``LICENSE.md``.
:mod:`specmlm.download.sources` takes a language's dataset entry, remote or local files, to
its raw files; :func:`specmlm.download.manifest.air_gap_manifest` lists what would be
downloaded, for an offline cluster.

The package imports nothing itself: :mod:`specmlm.logs` and ``common.smk`` read
:mod:`~specmlm.download.sources` in every job, and the Wikipedia and WikiAnn readers
(pyarrow, mwparserfromhell) would add a quarter of a second to each.
"""
