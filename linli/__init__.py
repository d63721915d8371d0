"""linli (邻里): community grid governance."""

__version__ = "0.1.0"
