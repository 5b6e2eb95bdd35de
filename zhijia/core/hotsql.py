"""Hand-written reads for the few hottest requests (a claim at a flash release, a vote, bearer-token sign-in).

For a one-row read across four or five tables the ORM spends several times the query's own cost building the SQL and
the instances. Here the SQL is written once per process, its column lists taken from the models' metadata (a field
added to a model is picked up, nothing to keep in step), and the instances are built with `Model.from_db`, after the
same converters the ORM would apply (an encrypted column is opened, JSON parsed, dates read on SQLite).

A `Shape` may name only the fields a path needs: the others are then deferred, and reading one costs a query. Each
user of a partial shape has a test counting its queries, so that cannot creep in unseen.
"""

from __future__ import annotations

from django.db import connection, models


class Shape:
    """The columns of one model in a hand-written SELECT, under a table alias; builds the instance from a row."""

    def __init__(self, model, alias: str, fields: list[str] | None = None):
        self.model = model
        self.alias = alias
        meta = model._meta
        if fields:
            wanted = {meta.get_field(name) for name in fields}
            # In the model's own order: Model.from_db reads a partial row in that order.
            self.fields = [f for f in meta.concrete_fields if f in wanted]
        else:
            self.fields = list(meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self._converters: list | None = None

    def select(self) -> str:
        return ", ".join(f'{self.alias}."{f.column}"' for f in self.fields)

    def converters(self) -> list:
        """(index, column, functions) for the columns the ORM converts on read, on this database."""
        if self._converters is None:
            found = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if funcs:
                    found.append((i, col, funcs))
            self._converters = found
        return self._converters

    def build(self, row, at: int):
        """(instance, index of the next column): the instance from row[at:at + len(fields)]."""
        values = list(row[at:at + len(self.fields)])
        for i, col, funcs in self.converters():
            for func in funcs:
                values[i] = func(values[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values), at + len(self.fields)


def build_all(shapes: list[Shape], row) -> tuple[list, int]:
    """The instances of `shapes`, read left to right from `row`; and the index of the first column after them."""
    built, at = [], 0
    for shape in shapes:
        instance, at = shape.build(row, at)
        built.append(instance)
    return built, at


_INSERTS: dict = {}


def insert(obj):
    """INSERT one new model instance and return it with its primary key set: `Model.objects.create` less the query
    compiler, for the hot path's one write. Each field's own `pre_save` (auto_now_add) and `get_db_prep_save` (JSON,
    encryption, dates on SQLite) are applied as the ORM would; no signals are sent (no logic lives in signals here).
    A constraint refusal raises django.db.IntegrityError as usual."""
    model = type(obj)
    cached = _INSERTS.get(model)
    if cached is None:
        meta = model._meta
        # What this shortcut does not do: inherited tables, database defaults, generated columns.
        assert not meta.parents, f"hotsql.insert: {model.__name__} has a parent table"
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        assert not any(getattr(f, "db_default", models.NOT_PROVIDED) is not models.NOT_PROVIDED
                       or getattr(f, "generated", False) for f in fields), \
            f"hotsql.insert: {model.__name__} has a database default or a generated column"
        columns = ", ".join(f'"{f.column}"' for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks}) RETURNING "{meta.pk.column}"'  # noqa: S608
        cached = _INSERTS[model] = (fields, sql)
    fields, sql = cached
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj


def insert_columns(model, columns: dict[str, list], *, on_conflict_skip: str | None = None) -> int:
    """PostgreSQL: INSERT many rows given column by column, one array parameter per column (`unnest`), so a batch
    costs one short statement and no model instances. `columns` maps field attnames (primary key included) to equal-
    length lists of values as the database takes them; every other field takes its default. Returns how many rows
    went in. `on_conflict_skip`: a column with a unique index (the primary key, say) whose repeats are skipped (ON
    CONFLICT (column) DO NOTHING); any other unique rule broken raises IntegrityError as usual."""
    meta = model._meta
    assert connection.vendor == "postgresql", "hotsql.insert_columns: PostgreSQL only"
    assert not meta.parents, f"hotsql.insert_columns: {model.__name__} has a parent table"
    names = list(columns)
    if not columns[names[0]]:
        return 0
    fields = list(meta.concrete_fields)
    by_attname = {f.attname: f for f in fields}
    unknown = set(names) - set(by_attname)
    assert not unknown, f"hotsql.insert_columns: {model.__name__} has no column {unknown}"
    select, params = [], []
    for f in fields:
        if f.attname in columns:
            select.append(f'"{f.attname}"')
            continue
        assert not getattr(f, "auto_now_add", False) and not getattr(f, "auto_now", False), \
            f"hotsql.insert_columns: {f.attname} is set on save: give its values"
        select.append(f"%s::{f.db_type(connection)}")
        params.append(f.get_db_prep_save(f.get_default(), connection))
    arrays = ", ".join(f"%s::{by_attname[n].db_type(connection)}[]" for n in names)
    params += [columns[n] for n in names]
    table_columns = ", ".join(f'"{f.column}"' for f in fields)
    alias = ", ".join(f'"{n}"' for n in names)
    tail = f' ON CONFLICT ("{by_attname[on_conflict_skip].column}") DO NOTHING' if on_conflict_skip else ""
    sql = (f'INSERT INTO "{meta.db_table}" ({table_columns}) SELECT {", ".join(select)} '  # noqa: S608
           f"FROM unnest({arrays}) AS t({alias}){tail}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def fetch_one(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()
