"""Model fields for personal data: stored encrypted, looked up by keyed hash."""

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):
    """Holds plaintext in Python, a Fernet token in the database."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        # Ciphertexts are randomised: equality on them is meaningless. Use the hash field.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)


class LookupHashField(models.CharField):
    """Keyed hash of another (encrypted) field, recomputed on every save."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        if not self.db_index:  # Field.deconstruct leaves out False, which __init__ would turn back into True
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        plain = getattr(model_instance, self.source) or ""
        value = crypto.lookup_hash(plain) if plain else ""
        setattr(model_instance, self.attname, value)
        return value


def _is_token(value: str) -> bool:
    return value.startswith("gAAAAA")  # every Fernet token starts with its version byte 0x80, base64 "gAAAAA"


def encrypt_plain_column(table: str, column: str):
    """A migration step (RunPython) that encrypts a column's existing plaintext values in place, and its
    reverse. It works on raw SQL, below the model field, so it reads what is really stored; values that
    are already tokens are left alone, so it can run twice."""

    def forward(apps, schema_editor):
        _rewrite(schema_editor.connection, table, column, lambda v: v if _is_token(v) else crypto.encrypt(v))

    def backward(apps, schema_editor):
        _rewrite(schema_editor.connection, table, column, lambda v: crypto.decrypt(v) if _is_token(v) else v)

    return forward, backward


def _rewrite(connection, table: str, column: str, convert) -> None:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {qn(column)} FROM {qn(table)} WHERE {qn(column)} <> ''")
        rows = cursor.fetchall()
        converted = [(convert(value), value, pk) for pk, value in rows if value]
        changed = [(new, pk) for new, old, pk in converted if new != old]
        if changed:
            cursor.executemany(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s", changed)
