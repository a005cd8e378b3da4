"""Imported by the fork server only: warms it (see :mod:`.warm`)."""

from .warm import warm

warm()
