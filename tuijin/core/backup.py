"""Online backup and restore of a whole install: the database and the uploaded files.

A backup is one ``.tar.gz`` holding the database (a SQLite copy made with the online backup
API, or a ``pg_dump`` custom-format dump), every uploaded file, and ``manifest.json``: for
each table its row count and a checksum of its rows, for each file its SHA-256, and the
length of the audit chain. The checksums are taken from the same snapshot as the copy (the
copy itself on SQLite; the exported snapshot the dump reads on PostgreSQL), so a backup taken
while people write is consistent and can be proven so after a restore: ``restore`` recomputes
every table's checksum and the audit chain and refuses to call a mismatch a success.

The secret key is not in the backup (it signs sessions only; a restored install signs everyone
out). Keep backups as carefully as the database: they hold the same personal data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, transaction

FORMAT = "tuijin-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
CHUNK = 2000


class BackupError(Exception):
    """A refusal, with the one Chinese line the command prints."""


@dataclass(frozen=True)
class Summary:
    path: Path
    tables: int
    rows: int
    files: int
    audit_entries: int
    seconds: float

    def line(self, verb: str) -> str:
        return (
            f"{verb} {self.path}：数据表 {self.tables} 张，记录 {self.rows:,} 条，"
            f"文件 {self.files} 个，审计记录 {self.audit_entries:,} 条（{self.seconds:.1f} 秒）"
        )


# --- checksums -----------------------------------------------------------------------------


def _rows_digest(rows: Iterable[tuple]) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for row in rows:
        digest.update(repr(tuple(row)).encode("utf-8"))
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _fetch_all(cursor, sql: str) -> Iterator[tuple]:
    cursor.execute(sql)
    while batch := cursor.fetchmany(CHUNK):
        yield from batch


def sqlite_checksums(path: Path) -> dict[str, dict[str, Any]]:
    """Row count and checksum of every table of the SQLite file ``path``, read with the bare
    driver so that the copy and the restored file are read the same way."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"  # shadow tables hold those
            )
        ]
        result = {}
        for name in names:
            quoted = '"' + name.replace('"', '""') + '"'
            info = list(db.execute(f"PRAGMA table_info({quoted})"))
            key = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
            key = key or [row[1] for row in info]  # no primary key: every column
            order = ", ".join('"' + column.replace('"', '""') + '"' for column in key)
            sql = f"SELECT * FROM {quoted} ORDER BY {order}"
            count, digest = _rows_digest(_fetch_all(db.cursor(), sql))
            result[name] = {"rows": count, "sha256": digest}
        return result
    finally:
        db.close()


def database_checksums() -> dict[str, dict[str, Any]]:
    """Row count and checksum of every table of the connected database (PostgreSQL: call it
    inside the transaction whose snapshot is being dumped)."""
    result = {}
    with connection.cursor() as cursor:
        for name in sorted(connection.introspection.table_names(cursor)):
            constraints = connection.introspection.get_constraints(cursor, name)
            key = next((c["columns"] for c in constraints.values() if c["primary_key"]), None)
            if not key:
                description = connection.introspection.get_table_description(cursor, name)
                key = [column.name for column in description]
            order = ", ".join(connection.ops.quote_name(column) for column in key)
            sql = f"SELECT * FROM {connection.ops.quote_name(name)} ORDER BY {order}"
            count, digest = _rows_digest(_fetch_all(cursor, sql))
            result[name] = {"rows": count, "sha256": digest}
    return result


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _audit_length() -> int:
    from .models import AuditSeal

    return AuditSeal.objects.count()


# --- backup --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` of the server's major version when installed side by side
    (Debian's /usr/lib/postgresql/N/bin), else the one on the PATH."""
    override = os.environ.get("TUIJIN_PG_BIN")
    if override:
        return str(Path(override) / name)
    major = connection.pg_version // 10000
    candidate = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（版本 {major}）")
    return found


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or ""),
            "PGPORT": str(db.get("PORT") or ""),
            "PGUSER": str(db.get("USER") or ""),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return {k: v for k, v in env.items() if v != ""}


def _snapshot_sqlite(work: Path) -> tuple[Path, dict, int]:
    copy = work / SQLITE_MEMBER
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)  # a consistent copy, while others write
    finally:
        target.close()
    audit = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        (entries,) = audit.execute("SELECT COUNT(*) FROM core_auditseal").fetchone()
    finally:
        audit.close()
    return copy, sqlite_checksums(copy), entries


def _snapshot_postgresql(work: Path) -> tuple[Path, dict, int]:
    dump = work / PG_MEMBER
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump 失败：{done.stderr.strip().splitlines()[-1:]}")
        checksums = database_checksums()  # the same snapshot the dump read
        entries = _audit_length()
    return dump, checksums, entries


def _media_files() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, path.relative_to(root).as_posix()


def backup(target: Path) -> Summary:
    """Write a consistent backup of the running install to ``target`` (a new file)."""
    started = time.monotonic()
    target = Path(target)
    if target.exists():
        raise BackupError(f"文件已存在，不覆盖：{target}")
    if not target.parent.is_dir():
        raise BackupError(f"目录不存在：{target.parent}")
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".tuijin-backup-") as tmp:
        work = Path(tmp)
        if connection.vendor == "postgresql":
            database, checksums, entries = _snapshot_postgresql(work)
        else:
            database, checksums, entries = _snapshot_sqlite(work)
        files = {}
        partial = work / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(database, arcname=database.name)
            for path, name in _media_files():
                try:
                    files[name] = _file_sha256(path)
                    archive.add(path, arcname=MEDIA_PREFIX + name)
                except FileNotFoundError:  # deleted while we copied: not in the snapshot either
                    files.pop(name, None)
            manifest = {
                "format": FORMAT,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "database": connection.vendor,
                "member": database.name,
                "member_sha256": _file_sha256(database),
                "tables": checksums,
                "files": files,
                "audit_entries": entries,
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            archive.addfile(info, io.BytesIO(data))
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    return Summary(
        target,
        len(checksums),
        sum(t["rows"] for t in checksums.values()),
        len(files),
        entries,
        time.monotonic() - started,
    )


# --- restore -------------------------------------------------------------------------------


def _safe_member(member: tarfile.TarInfo) -> str:
    name = member.name
    path = PurePosixPath(name)
    if not member.isfile() or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"备份文件含有不安全的条目：{name}")
    if name not in (MANIFEST, SQLITE_MEMBER, PG_MEMBER) and not name.startswith(MEDIA_PREFIX):
        raise BackupError(f"备份文件含有未知条目：{name}")
    return name


def _unpack(source: Path, work: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r:gz") as archive:
            for member in archive:
                name = _safe_member(member)
                out = work / "unpacked" / name
                out.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as data, out.open("wb") as handle:
                    shutil.copyfileobj(data, handle)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BackupError(f"不是完好的推进备份文件：{source}（{error}）") from None
    try:
        manifest = json.loads((work / "unpacked" / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"不是完好的推进备份文件：{source}（读不到清单 {MANIFEST}）") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')!r}")
    return manifest


def _check_empty_target() -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(f"目标数据库不是空的（已有 {len(tables)} 张表）：请恢复到新的空数据库")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"目标上传文件目录不是空的：{media}")


def restore(source: Path) -> Summary:
    """Restore the backup ``source`` into this install's empty database and media folder, then
    prove it: every table's rows and checksum, every file's hash, the audit chain."""
    from .audit import verify_chain

    started = time.monotonic()
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    _check_empty_target()
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media.parent, prefix=".tuijin-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(source, work)
        unpacked = work / "unpacked"
        if manifest["database"] != connection.vendor:
            raise BackupError(
                f"备份来自 {manifest['database']}，当前数据库是 {connection.vendor}：请用同类数据库恢复"
            )
        member = unpacked / manifest["member"]
        if not member.is_file() or _file_sha256(member) != manifest["member_sha256"]:
            raise BackupError("备份中的数据库副本与清单不符（文件损坏或被改动）")
        for name, digest in manifest["files"].items():
            path = unpacked / MEDIA_PREFIX / name
            if not path.is_file() or _file_sha256(path) != digest:
                raise BackupError(f"备份中的上传文件与清单不符：{name}")
        try:
            if connection.vendor == "postgresql":
                _restore_postgresql(member)
                checksums = database_checksums()
            else:
                checksums = _restore_sqlite(member)
            _compare(manifest["tables"], checksums)
            verdict = verify_chain()
            if not verdict.ok or verdict.count != manifest["audit_entries"]:
                raise BackupError(
                    f"恢复后审计链校验未通过：{verdict.reason or '条数不符'}"
                    f"（{verdict.count} / {manifest['audit_entries']}）"
                )
        except BaseException:
            _empty_database()  # a restore that cannot be proven leaves the target as it was
            raise
        for name in manifest["files"]:
            out = media / name
            out.parent.mkdir(parents=True, exist_ok=True)
            os.replace(unpacked / MEDIA_PREFIX / name, out)
    return Summary(
        source,
        len(checksums),
        sum(t["rows"] for t in checksums.values()),
        len(manifest["files"]),
        verdict.count,
        time.monotonic() - started,
    )


def _restore_sqlite(member: Path) -> dict:
    name = Path(settings.DATABASES["default"]["NAME"])
    connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)
    staged = name.with_name(name.name + ".restoring")
    shutil.copyfile(member, staged)
    os.replace(staged, name)
    return sqlite_checksums(name)


def _empty_database() -> None:
    """Undo a restore that failed its proof: the target was empty before (checked first)."""
    connection.close()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
        connection.close()
    else:
        name = Path(settings.DATABASES["default"]["NAME"])
        for path in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            path.unlink(missing_ok=True)


def _restore_postgresql(member: Path) -> None:
    connection.close()
    done = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(member),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{done.stderr.strip().splitlines()[-1:]}")


def _compare(expected: dict, found: dict) -> None:
    missing = sorted(set(expected) - set(found))
    if missing:
        raise BackupError(f"恢复后缺少数据表：{'、'.join(missing[:5])}")
    for name, want in sorted(expected.items()):
        got = found[name]
        if got["rows"] != want["rows"]:
            raise BackupError(f"恢复后 {name} 的记录数不符：{got['rows']} / {want['rows']}")
        if got["sha256"] != want["sha256"]:
            raise BackupError(f"恢复后 {name} 的校验和不符")
