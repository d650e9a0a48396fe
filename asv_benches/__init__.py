"""asv (airspeed velocity) benchmarks of dlnotes.

One module per topic, ``bench_<topic>.py``; shared inputs and helpers live in
:mod:`asv_benches.common`.  Run them with ``asv run`` (see
``docs/performance/asv.rst``); ``.ci/asv_smoke.sh`` runs every benchmark once
against the installed build.
"""
