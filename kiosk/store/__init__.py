"""SQLite storage: state, outbox, journals and migrations. The only place that writes SQL."""

from kiosk.store.database import Database, Transaction

__all__ = ["Database", "Transaction"]
