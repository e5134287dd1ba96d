"""Domain errors and warnings, in one place."""
from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class RegistryError(WorkbenchError):
    """A delivery cannot be read: names the file, and where known the row and column.

    Parameters
    ----------
    message : str
        What is wrong, in words a data manager can act on.
    file, row, column : optional
        Where it is wrong. ``row`` is the row number as a spreadsheet shows it
        (the header is row 1) for CSV and XLSX, the 1-based record number for Parquet.
    """

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        self.file, self.row, self.column, self.reason = file, row, column, message
        where = ", ".join(p for p in (
            f"file {file}" if file else "",
            f"row {row}" if row is not None else "",
            f"column {column!r}" if column else "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class BSNFoundError(RegistryError):
    """A delivery holds BSNs where pseudonyms belong."""


class ParameterError(WorkbenchError):
    """A parameter is out of range or of the wrong type."""


class DataQualityWarning(UserWarning):
    """Something in the data is suspect but not wrong enough to reject."""
