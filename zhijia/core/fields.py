from django.db import models

from zhijia.core.crypto import open_sealed, seal


class EncryptedTextField(models.TextField):
    """A text column stored sealed (AES-GCM, see core.crypto) and opened on read. Not searchable: pair it with a
    keyed-hash column for exact lookups."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return open_sealed(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal(value)
