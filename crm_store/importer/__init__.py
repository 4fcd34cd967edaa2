"""Import of customers and debts from CSV (any common delimiter and encoding) and Excel .xlsx."""

from .run import ImportSummary, import_file

__all__ = ["ImportSummary", "import_file"]
