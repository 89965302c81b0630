"""Jinja templates of the generated code (data package)."""
