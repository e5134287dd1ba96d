"""The uniform registration format: schema, readers, mappings, validation, pseudonymisation."""
from .schema import FORMAT, Format, Table, Column

__all__ = ["FORMAT", "Format", "Table", "Column"]
