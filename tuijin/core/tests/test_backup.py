"""``tuijin backup`` and ``tuijin restore`` on a real data folder (issue 8, point 9).

The commands run as an operator runs them, in their own processes against their own data
folders (SQLite). The PostgreSQL path (pg_dump of an exported snapshot, pg_restore) and the
backup under write load are proven by ``scripts/backup_drill.py``, which CI runs on both
databases.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="file-level SQLite checks; the PostgreSQL drill is scripts/backup_drill.py",
)

TUIJIN = str(Path(sys.executable).parent / "tuijin")


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["TUIJIN_DATA_DIR"] = str(data_dir)
    return subprocess.run([TUIJIN, *args], env=env, capture_output=True, text=True, timeout=600)


def count(data_dir: Path, table: str) -> int:
    path = data_dir / "tuijin.sqlite3"
    db = sqlite3.connect(path)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def tables(data_dir: Path) -> list[str]:
    path = data_dir / "tuijin.sqlite3"
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        return [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    finally:
        db.close()


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, Path]:
    """A seeded county with one uploaded file, and its backup."""
    data = tmp_path_factory.mktemp("source")
    assert run(data, "migrate", "-v0").returncode == 0
    seeded = run(data, "seed", "--scale", "county")
    assert seeded.returncode == 0, seeded.stderr
    (data / "media" / "photos").mkdir(parents=True)
    (data / "media" / "photos" / "现场.jpg").write_bytes(b"\xff\xd8\xff photo bytes")
    archive = tmp_path_factory.mktemp("backups") / "tuijin.tar.gz"
    done = run(data, "backup", str(archive))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"已备份到 {archive}：数据表 ")
    return data, archive


def one_line_refusal(done: subprocess.CompletedProcess, text: str) -> None:
    assert done.returncode == 1
    assert text in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_restore_into_an_empty_folder_gives_the_same_records_and_files(source, tmp_path):
    data, archive = source
    done = run(tmp_path, "restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "各表记录数与校验和一致，上传文件一致，审计链完整" in done.stdout
    for table in ("projects_project", "projects_progressreport", "appeals_appeal", "core_user"):
        assert count(tmp_path, table) == count(data, table) > 0
    restored = tmp_path / "media" / "photos" / "现场.jpg"
    assert restored.read_bytes() == b"\xff\xd8\xff photo bytes"
    assert run(tmp_path, "verify-audit").returncode == 0


def test_the_backup_holds_a_manifest_and_is_readable_by_its_owner_only(source):
    _, archive = source
    assert archive.stat().st_mode & 0o777 == 0o600
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert manifest["database"] == "sqlite"
    assert manifest["tables"]["projects_project"]["rows"] == 400
    assert "photos/现场.jpg" in manifest["files"]
    assert "media/photos/现场.jpg" in names
    assert not any("secret_key" in name for name in names)


def test_restore_refuses_a_folder_that_already_holds_data(source):
    data, archive = source
    before = count(data, "projects_project")
    one_line_refusal(run(data, "restore", str(archive)), "目标数据库不是空的")
    assert count(data, "projects_project") == before


def test_restore_refuses_a_damaged_file_and_leaves_the_target_empty(source, tmp_path):
    _, archive = source
    damaged = tmp_path / "damaged.tar.gz"
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    damaged.write_bytes(bytes(raw))
    target = tmp_path / "target"
    done = run(target, "restore", str(damaged))
    # Where the flipped byte lands decides which check sees it first: the gzip stream, the
    # archive's structure, or a member's hash against the manifest.
    said = "与清单不符" if "与清单不符" in done.stderr else "不是完好的推进备份文件"
    one_line_refusal(done, said)
    assert tables(target) == []
    assert not any((target / "media").iterdir())


def test_restore_undoes_a_copy_that_does_not_match_its_manifest(source, tmp_path):
    """A manifest that claims other rows than the copy holds: the restore is not proven, so
    the target is emptied again rather than left holding data nobody can vouch for."""
    _, archive = source
    forged = tmp_path / "forged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(forged, "w:gz") as out:
        for member in src:
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["tables"]["projects_project"]["rows"] = 401
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    target = tmp_path / "target"
    one_line_refusal(run(target, "restore", str(forged)), "projects_project 的记录数不符")
    assert tables(target) == []


def test_backup_never_overwrites_a_file(source, tmp_path):
    data, _ = source
    existing = tmp_path / "old.tar.gz"
    existing.write_bytes(b"yesterday")
    one_line_refusal(run(data, "backup", str(existing)), "文件已存在")
    assert existing.read_bytes() == b"yesterday"
