"""Conformance: static rules that read a model directory (never executing model code)
and, separately, dynamic checks that load and predict."""
