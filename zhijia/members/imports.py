"""花名册导入: an enterprise's roster from xlsx or csv, validated row by row, previewed, then committed in bulk.

Three steps, each a service:
1. `roster_import_create`: store the upload after checking size, type and header (a bad file is refused at once).
2. `roster_import_validate` (a Celery task): stream the file in chunks (csv module or python-calamine, never the
   whole file as Python objects), check every row (ID check digit per GB 11643 incl. X, a real birth date, phone,
   required fields, occupation, region), seal the ID number and phone (core.crypto) and write the rows to the
   staging table RosterRow (PostgreSQL: COPY into an UNLOGGED table; SQLite: executemany). Duplicates inside the
   file and conflicts with the database are then found with set-based SQL on the keyed hashes. Nothing reaches
   Worker or Membership yet: the report and a masked preview are shown first.
3. `roster_import_commit` queues `roster_import_run_commit`: good rows are upserted into Worker by the ID's keyed
   hash (INSERT ... SELECT ... ON CONFLICT, in row ranges so progress shows and each range commits), then the
   missing memberships are added with their member numbers. Importing the same file again writes nothing new: an
   unchanged worker is not updated and a member already in the union gets no second membership.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import queue
import re
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijia.accounts.models import Role
from zhijia.audit.models import Action
from zhijia.audit.services import audit_record
from zhijia.core import regions
from zhijia.core.crypto import keyed_hasher, open_sealed, sealer
from zhijia.core.errors import Conflict, NotFound, ValidationFailed
from zhijia.core.identity import id_number_check_char, mask_id_number, mask_phone, normalize_phone, parse_id_number
from zhijia.members.models import ImportStatus, RosterImport, RosterRow
from zhijia.orgs.models import Occupation, Union
from zhijia.orgs.selectors import in_scope, require_staff

IMPORT_ROLES = (Role.MUNICIPAL_ADMIN, Role.DISTRICT_STAFF, Role.GRASSROOTS_STAFF)
CHUNK = 5000
COMMIT_RANGE = 50000
COMMIT_WORKERS = 2  # ranges committed at once on PostgreSQL (the machine's cores)

# (field, header shown in the template, required)
COLUMNS = [
    ("name", gettext_noop("姓名"), True),
    ("id_number", gettext_noop("身份证号"), True),
    ("phone", gettext_noop("手机号"), True),
    ("occupation", gettext_noop("职业"), False),
    ("employer_name", gettext_noop("工作单位"), False),
    ("work_region_code", gettext_noop("工作地行政区划代码"), False),
]
_HEADER_ALIASES = {header: field for field, header, _ in COLUMNS} | {field: field for field, _, _ in COLUMNS}
_OCCUPATIONS = {o.label: o.value for o in Occupation} | {o.value: o.value for o in Occupation} | {"": "other"}

STAGING_COLUMNS = ("roster_import_id", "row_no", "ok", "errors", "raw", "name", "id_number", "id_number_hash",
                   "phone", "phone_hash", "gender", "birth_date", "occupation", "employer_name", "work_region_code")


def _max_bytes() -> int:
    return settings.MEMBERS_IMPORT_MAX_BYTES


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "roster_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Reading ------------------------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an ID number or phone typed as a number in Excel
    return str(value).strip()


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("rb") as probe:
        head = probe.read(65536)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the probe
            encoding = "gb18030"
    with path.open(encoding=encoding, newline="") as fh:
        yield from csv.reader(fh)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    sheet = workbook.get_sheet_by_index(0)
    for row in sheet.iter_rows():
        yield [_cell(v) for v in row]


def read_rows(path: Path) -> Iterator[list[str]]:
    """The rows of a roster, header first, one list of text cells each, read lazily."""
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PK\x03\x04":
        try:
            yield from _xlsx_rows(path)
        except ValidationFailed:
            raise
        except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for any unreadable workbook
            raise ValidationFailed.field("file", _("无法读取Excel文件：%(error)s") % {"error": exc.__class__.__name__})
        return
    if b"\x00" in magic or magic[:4] == b"\xd0\xcf\x11\xe0":
        raise ValidationFailed.field("file", _("文件不是xlsx或csv表格（旧版.xls请另存为.xlsx）"))
    try:
        yield from _csv_rows(path)
    except (UnicodeDecodeError, csv.Error):
        raise ValidationFailed.field("file", _("文件不是有效的csv表格（请使用UTF-8或GBK编码）"))


def header_map(header: list[str]) -> dict[str, int]:
    """Column index by field; refuses a sheet that misses a required column."""
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        field = _HEADER_ALIASES.get((cell or "").strip().lstrip("\ufeff"))
        if field and field not in found:
            found[field] = i
    missing = [h for f, h, required in COLUMNS if required and f not in found]
    if missing:
        raise ValidationFailed.field("file", _("表格缺少必需的列：%(columns)s（请使用下载的模板）") % {
            "columns": _("、").join(_(h) for h in missing)})
    return found


# --- Step 1: upload -------------------------------------------------------------------------------------------


@transaction.atomic
def roster_import_create(actor, *, union_id: int, filename: str, fileobj) -> RosterImport:
    """Store an uploaded roster for `union_id` (in the caller's subtree) and queue its validation."""
    require_staff(actor, roles=IMPORT_ROLES)
    union = Union.objects.filter(pk=union_id).first()
    if union is None or not in_scope(actor, union):
        raise NotFound(_("工会不存在"))
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationFailed.field("file", _("请上传xlsx或csv文件"))
    target = _import_dir() / f"{uuid.uuid4().hex}{suffix}"
    size = 0
    with target.open("wb") as out:
        for chunk in iter(lambda: fileobj.read(1 << 20), b""):
            size += len(chunk)
            if size > _max_bytes():
                out.close()
                target.unlink(missing_ok=True)
                raise ValidationFailed.field("file", _("文件超过%(mb)sMB上限，请分批导入") % {
                    "mb": _max_bytes() // (1 << 20)})
            out.write(chunk)
    if size == 0:
        target.unlink(missing_ok=True)
        raise ValidationFailed.field("file", _("文件为空"))
    try:
        rows = read_rows(target)
        header = next(rows, None)
        if header is None:
            raise ValidationFailed.field("file", _("表格没有内容"))
        header_map(header)
        rows.close()
    except ValidationFailed:
        target.unlink(missing_ok=True)
        raise
    item = RosterImport.objects.create(union=union, uploaded_by=actor, filename=Path(filename).name[:200],
                                       stored_path=str(target))
    audit_record(actor=actor, action=Action.IMPORT, obj=item, union=union, detail={"filename": item.filename,
                                                                                  "bytes": size})
    from zhijia.members.tasks import validate_roster_import_task

    transaction.on_commit(lambda: validate_roster_import_task.delay(item.pk))
    return item


# --- Step 2: validate into staging -------------------------------------------------------------------------------


_ID_ASCII = re.compile(r"[0-9]{17}[0-9X]", re.ASCII).fullmatch
_PHONE_ASCII = re.compile(r"1[3-9][0-9]{9}", re.ASCII).fullmatch
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]").search
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bytes):
        return _copy_bytea(value)
    return str(value)  # ints and dates (ISO format)


def _copy_bytea(value: bytes) -> str:
    """bytea's hex input (\\x…), its backslash escaped for COPY text."""
    return "\\\\x" + value.hex()


def _copy_line(values: tuple) -> str:
    return "\t".join(map(_copy_field, values)) + "\n"


class _RowChecker:
    """The checks of one row. `check()` is the reference: it names every problem of a row. `fast()` is the hot path
    for a row that is plainly good (ASCII digits, no character COPY would have to escape): it applies the same rules
    with less work and returns the same values, or None, and then `check()` decides (and explains). A test holds the
    two to the same answers."""

    def __init__(self, union: Union, cols: dict[str, int]):
        self.today = timezone.localdate()
        self.default_region = union.region_code
        self.region_ok: dict[str, bool] = {}
        self.hash = keyed_hasher()
        self.seal = sealer()
        self.cols = cols
        self.birth_dates: dict[str, dt.date] = {}  # at most one entry per real date since 1900: bounded
        index = [cols.get(f) for f in ("name", "id_number", "phone", "occupation", "employer_name",
                                       "work_region_code")]
        self.width = max(i for i in index if i is not None) + 1
        self.index = index
        # A key id that COPY would have to escape (never seen in practice) sends every row the careful way.
        self.fast_ok = not _COPY_SPECIAL(self.seal("")[:-1])

    def region(self, code: str) -> str:
        if not code:
            return self.default_region
        ok = self.region_ok.get(code)
        if ok is None:
            try:
                regions.validate_region_code(code, field="work_region_code")
                ok = True
            except ValidationFailed:
                ok = False
            self.region_ok[code] = ok
        if not ok:
            raise ValidationFailed.field("work_region_code", _("工作地行政区划代码不存在"))
        return code

    def birth_date(self, id_number: str) -> dt.date | None:
        key = id_number[6:14]
        birth = self.birth_dates.get(key)
        if birth is None:
            try:
                birth = dt.date(int(key[:4]), int(key[4:6]), int(key[6:]))
            except ValueError:
                return None
            if birth > self.today or birth.year < 1900:
                return None
            self.birth_dates[key] = birth
        return birth

    def fast(self, cells: list[str]) -> tuple | None:
        """(name, sealed ID, ID hash, sealed phone, phone hash, gender, birth date (ISO), occupation, employer,
        region) of a plainly good row, every text safe to write into COPY text as it is (the hashes are bytes);
        None for anything else."""
        if not self.fast_ok or len(cells) < self.width:
            return None
        i_name, i_id, i_phone, i_occ, i_emp, i_region = self.index
        name = cells[i_name].strip()
        if not name or len(name) > 60 or _COPY_SPECIAL(name):
            return None
        id_number = cells[i_id].strip().upper()
        if not _ID_ASCII(id_number) or self.birth_date(id_number) is None:
            return None
        if id_number_check_char(id_number[:17]) != id_number[17]:
            return None
        phone = cells[i_phone].strip()
        if not _PHONE_ASCII(phone):
            return None
        occupation = _OCCUPATIONS.get(cells[i_occ].strip() if i_occ is not None else "")
        if occupation is None:
            return None
        employer = cells[i_emp].strip()[:120] if i_emp is not None else ""
        if _COPY_SPECIAL(employer):
            return None
        region = cells[i_region].strip() if i_region is not None else ""
        if not region:
            region = self.default_region
        elif not self.region_ok.get(region):
            return None  # unknown yet or bad: check() validates it and caches the answer
        return (name, self.seal(id_number), self.hash(id_number), self.seal(phone), self.hash(phone),
                "M" if int(id_number[16]) % 2 else "F", f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}",
                occupation, employer, region)

    def check(self, cells: list[str]) -> tuple[tuple | None, list[str]]:
        """(staging values, []) for a good row; (None, reasons) for a bad one."""
        cols = self.cols

        def get(field: str) -> str:
            i = cols.get(field)
            return cells[i].strip() if i is not None and i < len(cells) and cells[i] else ""

        errors: list[str] = []
        name = get("name")
        if not name:
            errors.append("姓名：必填")
        elif len(name) > 60:
            errors.append("姓名：超过60字")
        facts = phone = None
        try:
            facts = parse_id_number(get("id_number"), today=self.today)
        except ValidationFailed as exc:
            errors.append(f"身份证号：{exc.message}")
        try:
            phone = normalize_phone(get("phone"))
        except ValidationFailed as exc:
            errors.append(f"手机号：{exc.message}")
        occupation = _OCCUPATIONS.get(get("occupation"))
        if occupation is None:
            errors.append("职业：应为快递员、外卖配送员、网约车司机、货车司机或其他")
        try:
            region = self.region(get("work_region_code"))
        except ValidationFailed as exc:
            errors.append(f"工作地行政区划代码：{exc.message}")
        employer = get("employer_name")[:120]
        if errors:
            return None, errors
        return (name, self.seal(facts.id_number), self.hash(facts.id_number), self.seal(phone), self.hash(phone),
                facts.gender, facts.birth_date, occupation, employer, region), []


def _write_staging(rows: list) -> None:
    """Stage one chunk: on PostgreSQL `rows` are lines of COPY text, elsewhere tuples of STAGING_COLUMNS."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY members_rosterrow ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
            copy.write("".join(rows))
    else:
        marks = ", ".join(["%s"] * len(STAGING_COLUMNS))
        with connection.cursor() as cursor:
            # Column names are constants of this module; values are parameters.
            cursor.executemany(f"INSERT INTO members_rosterrow ({', '.join(STAGING_COLUMNS)}) "  # noqa: S608
                               f"VALUES ({marks})", rows)


class _StagingWriter:
    """Writes staged chunks on a second thread with its own connection, so the database works on one chunk while
    Python checks and seals the next (psycopg releases the GIL while it waits on the server). Each chunk is committed
    with the progress count."""

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.jobs: queue.Queue = queue.Queue(maxsize=2)  # at most two chunks in flight: memory stays flat
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            while (job := self.jobs.get()) is not None:
                rows, processed = job
                if self.error is None:
                    with transaction.atomic():
                        _write_staging(rows)
                        RosterImport.objects.filter(pk=self.import_id).update(processed_rows=processed)
        except BaseException as exc:  # noqa: BLE001 - handed back to the validating thread
            self.error = exc
            while self.jobs.get() is not None:
                pass
        finally:
            connections.close_all()

    def put(self, rows: list, processed: int) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put((rows, processed))

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def roster_import_validate(*, import_id: int) -> RosterImport:
    """Read, check and stage every row (runs in a task: chunks commit one by one so the progress shows)."""
    # The row reasons and the batch's error are stored (and go into the failed-rows file): Chinese, whatever the
    # language of a request an eager task runs in. The report shows them in the reader's language (report_text).
    with translation.override(None):
        return _roster_import_validate(import_id)


def _roster_import_validate(import_id: int) -> RosterImport:
    item = RosterImport.objects.select_related("union").get(pk=import_id)
    if item.status != ImportStatus.VALIDATING:
        return item
    RosterRow.objects.filter(roster_import=item).delete()
    total = bad = 0
    postgres = connection.vendor == "postgresql"
    # SQLite has one writer: stage on this thread there; PostgreSQL overlaps checking and writing.
    writer = _StagingWriter(item.pk) if postgres and not connection.in_atomic_block else None
    try:
        rows = read_rows(Path(item.stored_path))
        cols = header_map(next(rows))
        checker = _RowChecker(item.union, cols)
        fast, check, seal_raw = checker.fast, checker.check, checker.seal
        good_prefix = f"{item.pk}\t"
        buffer: list = []
        for row_no, cells in enumerate(rows, start=2):
            if not any(cells):
                continue
            total += 1
            good = fast(cells)
            if good is not None:
                if postgres:
                    name, sid, hid, sphone, hphone, *rest = good
                    buffer.append(f"{good_prefix}{row_no}\tt\t\t\t{name}\t{sid}\t{_copy_bytea(hid)}\t{sphone}"
                                  f"\t{_copy_bytea(hphone)}\t" + "\t".join(rest) + "\n")
                else:
                    buffer.append((item.pk, row_no, True, "", "", *good))
            else:
                good, errors = check(cells)
                if good is None:
                    bad += 1
                    raw = seal_raw(json.dumps(cells[:20], ensure_ascii=False))
                    record = (item.pk, row_no, False, "；".join(errors), raw, "", "", b"", "", b"", "", None, "", "",
                              "")
                else:
                    record = (item.pk, row_no, True, "", "", *good)
                buffer.append(_copy_line(record) if postgres else record)
            if len(buffer) >= CHUNK:
                if writer is not None:
                    writer.put(buffer, total)
                else:
                    with transaction.atomic():
                        _write_staging(buffer)
                        RosterImport.objects.filter(pk=item.pk).update(processed_rows=total)
                buffer = []
        if writer is not None:
            writer.close()
            writer = None
        with transaction.atomic():
            _write_staging(buffer)
            _mark_duplicates(item)
            item.refresh_from_db()
            counts = _staging_counts(item)
            item.total_rows, item.bad_rows, item.good_rows = total, counts["bad"], counts["good"]
            item.existing_rows, item.processed_rows = counts["existing"], total
            item.status, item.validated_at = ImportStatus.VALIDATED, timezone.now()
            item.save()
    except Exception as exc:
        if writer is not None:
            try:
                writer.close()
            except Exception:  # noqa: BLE001, S110 - the first error is the one to report
                pass
        message = exc.message if isinstance(exc, ValidationFailed) else "校验中断，请重新上传（已记录错误）"
        RosterRow.objects.filter(roster_import=item).delete()
        RosterImport.objects.filter(pk=item.pk).update(status=ImportStatus.FAILED, error=message)
        item.refresh_from_db()
        if not isinstance(exc, ValidationFailed):
            raise
    return item


def _mark_duplicates(item: RosterImport) -> None:
    """Set-based checks on the keyed hashes: a repeated ID inside the file (every copy after the first), and an
    ID whose worker already belongs to another union (that needs a transfer, not an import).

    Repeats are found with one sort of the batch's hashes (a window over the hash), not an index on the staging
    table: an index would be updated a million times in random order while staging, the sort runs once."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL work_mem = '64MB'")  # the sort of one batch's hashes, in memory
        cursor.execute(
            """UPDATE members_rosterrow SET ok = %s,
                   errors = '身份证号：与文件中第' || CAST(d.first_row AS TEXT) || '行重复'
               FROM (SELECT id AS dup_id, row_no AS dup_row,
                            MIN(row_no) OVER (PARTITION BY id_number_hash)
                                AS first_row
                     FROM members_rosterrow WHERE roster_import_id = %s AND ok) d
               WHERE members_rosterrow.roster_import_id = %s AND members_rosterrow.id = d.dup_id
                 AND d.dup_row > d.first_row""",
            [False, item.pk, item.pk])
        cursor.execute(
            """UPDATE members_rosterrow SET ok = %s, errors = '身份证号：已是其他工会会员，请办理会员关系转接'
               WHERE roster_import_id = %s AND ok AND EXISTS (
                   SELECT 1 FROM members_worker w JOIN members_membership m ON m.worker_id = w.id
                   WHERE w.id_number_hash = members_rosterrow.id_number_hash
                     AND m.status IN ('applied', 'admitted') AND m.union_id <> %s)""",
            [False, item.pk, item.union_id])


def _staging_counts(item: RosterImport) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT SUM(CASE WHEN r.ok THEN 1 ELSE 0 END), SUM(CASE WHEN r.ok THEN 0 ELSE 1 END),
                      SUM(CASE WHEN r.ok AND EXISTS (SELECT 1 FROM members_worker w
                                                    WHERE w.id_number_hash = r.id_number_hash) THEN 1 ELSE 0 END)
               FROM members_rosterrow r WHERE r.roster_import_id = %s""", [item.pk])
        good, bad, existing = cursor.fetchone()
    return {"good": good or 0, "bad": bad or 0, "existing": existing or 0}


# --- Step 3: commit ----------------------------------------------------------------------------------------------


@transaction.atomic
def roster_import_commit(actor, *, import_id: int) -> RosterImport:
    """Confirm a validated import: queue the background upsert. A second confirmation is refused."""
    require_staff(actor, roles=IMPORT_ROLES)
    item = RosterImport.objects.select_for_update().select_related("union").filter(pk=import_id).first()
    if item is None or not in_scope(actor, item.union):
        raise NotFound(_("导入批次不存在"))
    if item.status != ImportStatus.VALIDATED:
        raise Conflict(_("该批次当前状态为“%(status)s”，不能导入") % {"status": item.get_status_display()},
                       code="not_validated")
    if item.good_rows == 0:
        raise ValidationFailed.field("file", _("没有可导入的有效行"))
    item.status, item.processed_rows = ImportStatus.COMMITTING, 0
    item.created_workers = item.created_memberships = 0
    item.save(update_fields=["status", "processed_rows", "created_workers", "created_memberships"])
    audit_record(actor=actor, action=Action.IMPORT, obj=item, union=item.union,
                 detail={"commit": True, "good_rows": item.good_rows, "bad_rows": item.bad_rows})
    from zhijia.members.tasks import commit_roster_import_task

    transaction.on_commit(lambda: commit_roster_import_task.delay(item.pk))
    return item


_RANGE = "r.roster_import_id = %s AND r.ok AND r.row_no >= %s AND r.row_no < %s"

_RANGE_EXISTING = f"""
SELECT COUNT(*) FROM members_rosterrow r
WHERE {_RANGE} AND EXISTS (SELECT 1 FROM members_worker w WHERE w.id_number_hash = r.id_number_hash)
"""  # noqa: S608 - put together from the constants above

_WORKER_UPSERT = f"""
INSERT INTO members_worker (name, id_number, id_number_hash, phone, phone_hash, gender, birth_date, occupation,
                            employer_name, employer_credit_code, work_region_code, home_region_code,
                            created_at, updated_at)
SELECT r.name, r.id_number, r.id_number_hash, r.phone, r.phone_hash, r.gender, r.birth_date, r.occupation,
       r.employer_name, %s, r.work_region_code, '', %s, %s
FROM members_rosterrow r
WHERE {_RANGE}
ON CONFLICT (id_number_hash) DO UPDATE SET
    name = excluded.name, phone = excluded.phone, phone_hash = excluded.phone_hash,
    occupation = excluded.occupation, employer_name = excluded.employer_name,
    work_region_code = excluded.work_region_code, updated_at = excluded.updated_at
WHERE members_worker.name <> excluded.name OR members_worker.phone_hash <> excluded.phone_hash
   OR members_worker.occupation <> excluded.occupation OR members_worker.employer_name <> excluded.employer_name
   OR members_worker.work_region_code <> excluded.work_region_code
"""  # noqa: S608 - put together from the constants above

_MEMBERSHIP_SELECT = f"""
FROM members_rosterrow r JOIN members_worker w ON w.id_number_hash = r.id_number_hash
WHERE {_RANGE}
  AND NOT EXISTS (SELECT 1 FROM members_membership m WHERE m.worker_id = w.id AND m.status IN ('applied', 'admitted'))
"""  # noqa: S608 - put together from the constants above

# The memberships of a range by a lookup of its workers (the fallback of _RANGE_COMMIT_PG). A membership opened
# meanwhile by an application wins: the one-current-membership index is the arbiter.
_MEMBERSHIP_INSERT_PG = f"""
INSERT INTO members_membership (id, worker_id, union_id, status, joined_on, member_number, end_reason, created_at,
                                updated_at)
SELECT s.id, s.worker_id, %s, 'admitted', %s, %s || lpad(s.id::text, 10, '0'), '', %s, %s
FROM (SELECT nextval(%s::regclass) AS id, w.id AS worker_id {_MEMBERSHIP_SELECT}) s
ON CONFLICT (worker_id) WHERE status IN ('applied', 'admitted') DO NOTHING
"""  # noqa: S608 - put together from the constants above


# PostgreSQL, one statement per range: the workers are upserted, and the ids of the new and changed ones come back
# from RETURNING, so only the rows of workers that were already there unchanged are looked up by hash; the missing
# memberships are added with numbers drawn from the table's own sequence (named once, not looked up per row). The
# counts come back with it: staged rows, workers created, workers found by a lookup, memberships added.
_RANGE_COMMIT_PG = f"""
WITH src AS MATERIALIZED (
    SELECT r.name, r.id_number, r.id_number_hash, r.phone, r.phone_hash, r.gender, r.birth_date, r.occupation,
           r.employer_name, r.work_region_code
    FROM members_rosterrow r WHERE {_RANGE}),
upserted AS (
    INSERT INTO members_worker (name, id_number, id_number_hash, phone, phone_hash, gender, birth_date, occupation,
                                employer_name, employer_credit_code, work_region_code, home_region_code,
                                created_at, updated_at)
    SELECT s.name, s.id_number, s.id_number_hash, s.phone, s.phone_hash, s.gender, s.birth_date, s.occupation,
           s.employer_name, %s, s.work_region_code, '', %s, %s
    FROM src s
    ON CONFLICT (id_number_hash) DO UPDATE SET
        name = excluded.name, phone = excluded.phone, phone_hash = excluded.phone_hash,
        occupation = excluded.occupation, employer_name = excluded.employer_name,
        work_region_code = excluded.work_region_code, updated_at = excluded.updated_at
    WHERE members_worker.name <> excluded.name OR members_worker.phone_hash <> excluded.phone_hash
       OR members_worker.occupation <> excluded.occupation OR members_worker.employer_name <> excluded.employer_name
       OR members_worker.work_region_code <> excluded.work_region_code
    RETURNING id, id_number_hash, xmax = 0 AS created),
unchanged AS (
    SELECT w.id FROM src s JOIN members_worker w ON w.id_number_hash = s.id_number_hash
    WHERE NOT EXISTS (SELECT 1 FROM upserted u WHERE u.id_number_hash = s.id_number_hash)),
added AS (
    INSERT INTO members_membership (id, worker_id, union_id, status, joined_on, member_number, end_reason,
                                    created_at, updated_at)
    SELECT m.id, m.worker_id, %s, 'admitted', %s, %s || lpad(m.id::text, 10, '0'), '', %s, %s
    FROM (SELECT nextval(%s::regclass) AS id, k.worker_id
          FROM (SELECT id AS worker_id, created FROM upserted UNION ALL SELECT id, false FROM unchanged) k
          WHERE k.created OR NOT EXISTS (SELECT 1 FROM members_membership c
                                         WHERE c.worker_id = k.worker_id AND c.status IN ('applied', 'admitted'))
         ) m
    ON CONFLICT (worker_id) WHERE status IN ('applied', 'admitted') DO NOTHING
    RETURNING 1)
SELECT (SELECT COUNT(*) FROM src), (SELECT COUNT(*) FROM upserted WHERE created),
       (SELECT COUNT(*) FROM upserted) + (SELECT COUNT(*) FROM unchanged), (SELECT COUNT(*) FROM added)
"""  # noqa: S608 - put together from the constants above


# PostgreSQL, the range of a batch whose validation found none of its workers in the database (a first load, the
# common case at city scale): plain inserts, without the upsert's speculative insertion and without looking for
# memberships a new worker cannot have. It runs in a savepoint; a worker created meanwhile breaks the unique
# keyed-hash index, the savepoint is rolled back and _RANGE_COMMIT_PG does the range.
_RANGE_NEW_PG = f"""
WITH created AS (
    INSERT INTO members_worker (name, id_number, id_number_hash, phone, phone_hash, gender, birth_date, occupation,
                                employer_name, employer_credit_code, work_region_code, home_region_code,
                                created_at, updated_at)
    SELECT r.name, r.id_number, r.id_number_hash, r.phone, r.phone_hash, r.gender, r.birth_date, r.occupation,
           r.employer_name, %s, r.work_region_code, '', %s, %s
    FROM members_rosterrow r WHERE {_RANGE}
    RETURNING id),
added AS (
    INSERT INTO members_membership (id, worker_id, union_id, status, joined_on, member_number, end_reason,
                                    created_at, updated_at)
    SELECT m.id, m.worker_id, %s, 'admitted', %s, %s || lpad(m.id::text, 10, '0'), '', %s, %s
    FROM (SELECT nextval(%s::regclass) AS id, c.id AS worker_id FROM created c) m
    RETURNING 1)
SELECT (SELECT COUNT(*) FROM created), (SELECT COUNT(*) FROM added)
"""  # noqa: S608 - put together from the constants above


class _Commit:
    """The constants of one commit run, and the commit of one range of staged rows in one transaction: workers
    upserted, missing memberships added with their numbers, the range's staged rows removed and the batch's counters
    advanced. A range that committed leaves no good staged rows behind, so a re-run skips it."""

    def __init__(self, item: RosterImport):
        self.item = item
        self.now = timezone.now()
        self.prefix = item.union.region_code[:6]
        self.credit = item.union.credit_code or ""
        self.sequence = None
        # Validation found none of the batch's workers in the database: try each range with plain inserts first.
        self.fresh = item.existing_rows == 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence('members_membership', 'id')")
                self.sequence = cursor.fetchone()[0]

    @transaction.atomic
    def range(self, lo: int, hi: int) -> None:
        item, now = self.item, self.now
        span = [item.pk, lo, hi]
        with connection.cursor() as cursor:
            fresh = self._fresh_range(cursor, span) if self.sequence and self.fresh else None
            if fresh is not None:
                rows, added = fresh
                created_workers = rows
                if not rows:
                    return
            elif self.sequence:
                cursor.execute(_RANGE_COMMIT_PG, [*span, self.credit, now, now, item.union_id, now.date(),
                                                  self.prefix, now, now, self.sequence])
                rows, created_workers, found, added = cursor.fetchone()
                if not rows:
                    return
                if found < rows:
                    # A worker committed by someone else after this statement's snapshot, unchanged by the upsert:
                    # look it up again in a fresh snapshot (rare; the statement below is idempotent).
                    cursor.execute(_MEMBERSHIP_INSERT_PG,
                                   [item.union_id, now.date(), self.prefix, now, now, self.sequence, *span])
                    added += cursor.rowcount
            else:
                cursor.execute(f"SELECT COUNT(*) FROM members_rosterrow r WHERE {_RANGE}", span)  # noqa: S608
                rows = cursor.fetchone()[0]
                if not rows:
                    return
                cursor.execute(_RANGE_EXISTING, span)
                created_workers = rows - cursor.fetchone()[0]
                cursor.execute(_WORKER_UPSERT, [self.credit, now, now, *span])
                cursor.execute(
                    f"""INSERT INTO members_membership (worker_id, union_id, status, joined_on, end_reason,
                                                       created_at, updated_at)
                        SELECT w.id, %s, 'admitted', %s, '', %s, %s {_MEMBERSHIP_SELECT}""",
                    [item.union_id, now.date(), now, now, *span])
                added = cursor.rowcount
                cursor.execute(
                    """UPDATE members_membership SET member_number = %s || substr('0000000000' || id, -10, 10)
                       WHERE union_id = %s AND member_number IS NULL AND status = 'admitted'""",
                    [self.prefix, item.union_id])
            cursor.execute(f"DELETE FROM members_rosterrow WHERE {_RANGE.replace('r.', '')}", span)  # noqa: S608
            if self.sequence:
                # The deferred foreign-key checks of this range run now, before the batch row is locked below, so a
                # second range committing in parallel waits for the lock only as long as a commit takes.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                """UPDATE members_rosterimport SET processed_rows = processed_rows + %s,
                       created_workers = created_workers + %s, created_memberships = created_memberships + %s
                   WHERE id = %s""", [rows, created_workers, added, item.pk])

    def _fresh_range(self, cursor, span: list) -> tuple[int, int] | None:
        """The range by plain inserts, in a savepoint: (rows, memberships added), or None when a worker of the range
        has been created since validation (the savepoint is rolled back; the caller upserts the range)."""
        now = self.now
        try:
            with transaction.atomic():
                cursor.execute(_RANGE_NEW_PG, [self.credit, now, now, *span, self.item.union_id, now.date(),
                                               self.prefix, now, now, self.sequence])
                return cursor.fetchone()
        except IntegrityError:
            self.fresh = False  # the other ranges upsert too: the batch is no longer known to be new
            return None


def _run_ranges(commit: _Commit, bounds: list[tuple[int, int]], workers: int) -> None:
    """Commit the ranges, `workers` at a time on their own connections (PostgreSQL does the work of each range in
    its own backend: two ranges use two cores). The first error stops the others and is raised."""
    if workers <= 1:
        for lo, hi in bounds:
            commit.range(lo, hi)
        return
    from django.db import connections

    todo: queue.Queue = queue.Queue()
    for bound in bounds:
        todo.put(bound)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not errors:
                try:
                    lo, hi = todo.get_nowait()
                except queue.Empty:
                    return
                commit.range(lo, hi)
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def roster_import_run_commit(*, import_id: int) -> RosterImport:
    """The background upsert, range by range: each range is one transaction, two run at once on PostgreSQL (the
    commit is resumable, not all-or-nothing: a crash leaves whole ranges committed, and running the task again
    finishes the rest and changes nothing twice)."""
    item = RosterImport.objects.select_related("union").get(pk=import_id)
    if item.status != ImportStatus.COMMITTING:
        return item
    bounds = RosterRow.objects.filter(roster_import=item, ok=True).order_by("row_no").values_list("row_no", flat=True)
    first, last = bounds.first(), bounds.last()
    ranges = [] if first is None else [(lo, lo + COMMIT_RANGE) for lo in range(first, last + 1, COMMIT_RANGE)]
    parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
    _run_ranges(_Commit(item), ranges, COMMIT_WORKERS if parallel else 1)
    with transaction.atomic():
        item.refresh_from_db()
        item.status, item.committed_at = ImportStatus.DONE, timezone.now()
        item.save(update_fields=["status", "committed_at"])
    return item


# --- Files ---------------------------------------------------------------------------------------------------


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([h for _, h, _ in COLUMNS])
    ws.append(["张三", "110111199001011237", "13800138000", "快递员", "北京燕房物流有限公司", "110111001000"])
    for col in "ABCDEF":
        ws.column_dimensions[col].width = 22
    notes = wb.create_sheet("填写说明")
    notes.append(["列", "是否必填", "说明"])
    for _field, header, required in COLUMNS:
        notes.append([header, "必填" if required else "选填", {
            "身份证号": "18位，末位可为X；请将单元格设为文本，避免被Excel改成科学计数",
            "手机号": "11位大陆手机号",
            "职业": "快递员、外卖配送员、网约车司机、货车司机、其他（空白视为其他）",
            "工作地行政区划代码": "6位区县或12位街道代码，空白取导入工会的代码",
        }.get(header, "")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def failed_rows_xlsx(item: RosterImport, out_path: Path) -> Path:
    """The failed rows as an xlsx (the original cells and a 原因 column), written streaming."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("未导入的行")
    ws.append(["行号", *[h for _, h, _ in COLUMNS], "原因"])
    rows = RosterRow.objects.filter(roster_import=item, ok=False).order_by("row_no")
    for row in rows.iterator(chunk_size=2000):
        if row.raw:
            cells = json.loads(open_sealed(row.raw))
            cells = (cells + [""] * len(COLUMNS))[: len(COLUMNS)]
        else:
            cells = [row.name, open_sealed(row.id_number), open_sealed(row.phone),
                     Occupation(row.occupation).label if row.occupation in Occupation.values else row.occupation,
                     row.employer_name, row.work_region_code]
        ws.append([row.row_no, *cells, row.errors])
    wb.save(out_path)
    return out_path


# --- Report -------------------------------------------------------------------------------------------------------


# The stored reasons a row is refused for (and a batch's stored errors), listed for the catalogue: the report shows
# them in the reader's language, while the stored text and the failed-rows file keep the Chinese.
_STORED_REASONS = (
    gettext_noop("必填"), gettext_noop("超过60字"), gettext_noop("应为快递员、外卖配送员、网约车司机、货车司机或其他"),
    gettext_noop("已是其他工会会员，请办理会员关系转接"), gettext_noop("工作地行政区划代码不存在"),
    gettext_noop("校验中断，请重新上传（已记录错误）"),
    # from zhijia.core.identity (a row's ID number and phone)
    gettext_noop("请填写身份证号"), gettext_noop("身份证号应为18位（前17位数字，末位数字或X）"),
    gettext_noop("身份证号中的出生日期不存在"), gettext_noop("身份证号中的出生日期不合理"),
    gettext_noop("身份证号校验位不正确"), gettext_noop("手机号应为11位大陆手机号码"),
)
_COLUMN_HEADERS = frozenset(header for _field, header, _required in COLUMNS)
_DUPLICATE_OF = re.compile(r"与文件中第(\d+)行重复").fullmatch
_UNREADABLE = re.compile(r"无法读取Excel文件：(\w+)").fullmatch


def _reason_text(text: str) -> str:
    if not text:
        return text
    if m := _DUPLICATE_OF(text):
        return _("与文件中第%(row)s行重复") % {"row": m[1]}
    if m := _UNREADABLE(text):
        return _("无法读取Excel文件：%(error)s") % {"error": m[1]}
    return _(text)  # a stored message listed above (or another app's); unknown text comes back as it is


def report_text(stored: str) -> str:
    """A row's stored reasons ("列：问题；列：问题") or a batch's stored error, in the request's language; the
    Chinese comes back exactly as stored."""
    if not stored:
        return stored
    parts = []
    for part in stored.split("；"):
        column, sep, problem = part.partition("：")
        if sep and column in _COLUMN_HEADERS:
            parts.append(_("%(column)s：%(problem)s") % {"column": _(column), "problem": _reason_text(problem)})
        else:
            parts.append(_reason_text(part))
    return _("；").join(parts)


def preview_row(row: RosterRow) -> dict:
    return {"row_no": row.row_no, "name": row.name, "id_number": mask_id_number(open_sealed(row.id_number)),
            "phone": mask_phone(open_sealed(row.phone)),
            "occupation": Occupation(row.occupation).label if row.occupation in Occupation.values else "",
            "employer_name": row.employer_name, "work_region_code": row.work_region_code}


def remove_file(item: RosterImport) -> None:
    if item.stored_path and os.path.exists(item.stored_path):
        os.unlink(item.stored_path)
