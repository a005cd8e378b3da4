"""Imported by the fork server only: sets its thread defaults and warms it (see :mod:`.warm`)."""

from .warm import single_threaded, warm

single_threaded()
warm()
