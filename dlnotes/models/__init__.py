"""The notes' architectures, built from :mod:`dlnotes.layers`."""
