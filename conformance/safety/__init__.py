"""Safety: what a model's payloads would import and call when loaded, read without loading.

``reader`` walks pickle opcodes symbolically, ``joblib_layout`` steps over joblib's inline
arrays, ``payload`` sniffs and scans one file, ``skops_archive`` reads a skops schema,
``allowlists`` loads the lists in ``spec/safety/``, ``rules`` registers the ``safety-*`` rules.
Nothing here imports :mod:`pickle`, numpy or any model library.
"""
