"""``python -m dlnotes`` is the ``dlnotes`` command."""
from dlnotes.cli import main

raise SystemExit(main())
