"""Import buildings and venues from Excel (being written)."""
