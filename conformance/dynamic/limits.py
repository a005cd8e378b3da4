"""Defaults for how long and how much memory one model's checks may take."""

DEFAULT_TIMEOUT = 120.0  # seconds a model
#: address space a model may reserve (RLIMIT_AS counts reserved, not only used, memory)
DEFAULT_MAX_MEMORY = 8 * 2**30
