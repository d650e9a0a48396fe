"""asv (airspeed velocity) benchmarks of dlnotes.

One module per topic or per module of a topic, ``bench_<name>.py``; the table
"Topics: one vocabulary" of ``docs/performance/index.rst`` maps each file to its
topic (the file names stay: asv identifies a benchmark by its module, so a
rename would start a new history).  Shared inputs and helpers live in
:mod:`asv_benches.common`.  Run them with ``asv run`` (see
``docs/performance/asv.rst``); ``.ci/asv_smoke.sh`` runs every benchmark once
against the installed build.
"""
