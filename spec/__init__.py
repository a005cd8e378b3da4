"""The specification as package data: JSON Schemas and flavor specs. Data, not code."""
