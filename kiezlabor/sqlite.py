"""Make SpatiaLite usable where the standard library's sqlite3 cannot load extensions."""

import importlib
import sqlite3
import sys


def use_extension_capable_sqlite() -> None:
    """Stand in ``pysqlite3`` for ``sqlite3`` when this Python's build cannot load extensions.

    GeoDjango's SpatiaLite backend loads ``mod_spatialite`` as an SQLite extension. Python
    builds compiled without ``--enable-loadable-sqlite-extensions`` (pyenv's default, among
    others) lack ``enable_load_extension``; the ``pysqlite3-binary`` wheel has it.
    """
    if hasattr(sqlite3.Connection, "enable_load_extension"):
        return
    try:
        replacement = importlib.import_module("pysqlite3")
    except ImportError:
        return
    sys.modules["sqlite3"] = replacement
    sys.modules["sqlite3.dbapi2"] = replacement.dbapi2
