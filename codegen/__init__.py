"""The compiler: JSON Schemas and flavor specs in, deterministic Python out."""
