from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender, connection, **kwargs) -> None:
    """The embedded SQLite runs in WAL mode so readers never wait for the writer."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA synchronous=NORMAL;")
            cursor.execute("PRAGMA foreign_keys=ON;")


class CoreConfig(AppConfig):
    name = "zhijia.core"
    label = "core"

    def ready(self) -> None:
        connection_created.connect(_sqlite_pragmas, dispatch_uid="zhijia-sqlite-pragmas")
