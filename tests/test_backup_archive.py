"""Second security review, point 4: `flask backup` writes one archive holding the database copy,
the action evidence files and a manifest of SHA-256 checksums; `flask restore` checks every
checksum before it restores anything, and refuses a tampered or incomplete archive, or a target
that is not empty, leaving nothing behind."""
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from config import normalise_database_url
from qa_app.extensions import db
from qa_app.models import ActionUpdate
from qa_app.services import actions
from tests.conftest import SERVER_DATABASE_URL, using_postgres
from tests.test_actions import audited, raise_for  # noqa: F401  (audited is a fixture)
from tests.test_backups import restore_database

MINUTES = b"%PDF-1.4 strategy meeting minutes, signed"
REGISTER = b"child,visit\nC1,2015-06-01\n"


@pytest.fixture
def evidenced(app, audited):  # noqa: F811
    """An action with two evidence files uploaded to it."""
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"])
        for name, content in (("minutes.pdf", MINUTES), ("register.csv", REGISTER)):
            action = actions.record_progress(action.id, note="evidence", upload=io.BytesIO(content),
                                             upload_name=name, version=action.version, user=people["compass"])
        stored = dict(db.session.execute(db.select(ActionUpdate.file_name, ActionUpdate.stored_name)
                                         .where(ActionUpdate.stored_name.is_not(None))).all())
    return stored


def _backup(app, tmp_path) -> Path:
    archive = tmp_path / "casefile-backup.tar"
    result = app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "2 evidence files" in result.output
    return archive


def _target(tmp_path) -> str:
    return restore_database(SERVER_DATABASE_URL) if using_postgres() else str(tmp_path / "restored.sqlite3")


def _restore(app, archive, target, evidence):
    return app.test_cli_runner().invoke(args=["restore", str(archive), "--to", target,
                                              "--evidence-to", str(evidence)])


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with change(name, data) -> data (None to leave the member out)."""
    with tarfile.open(archive) as source, tarfile.open(out, "w") as copy:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            if data is not None:
                member.size = len(data)
                copy.addfile(member, io.BytesIO(data))
    return out


def _nothing_restored(target, evidence):
    assert not Path(evidence).exists() or not any(Path(evidence).iterdir())
    if using_postgres():
        engine = create_engine(normalise_database_url(target))
        with engine.connect() as connection:
            assert connection.execute(text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")).scalar() == 0
        engine.dispose()
    else:
        assert not Path(target).exists()


def test_the_backup_archive_holds_the_database_the_evidence_files_and_their_checksums_and_restores_both(
        app, evidenced, tmp_path):
    archive = _backup(app, tmp_path)
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        for name, entry in manifest["files"].items():
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == entry["sha256"]
        names = set(tar.getnames())
    assert {f"evidence/{stored}" for stored in evidenced.values()} <= names
    assert names == {"manifest.json", *manifest["files"]}
    assert sum(name.startswith("database.") for name in names) == 1

    target, evidence = _target(tmp_path), tmp_path / "restored-evidence"
    result = _restore(app, archive, target, evidence)
    assert result.exit_code == 0, result.output
    assert "checksums ok" in result.output and "2 evidence files" in result.output
    assert (evidence / evidenced["minutes.pdf"]).read_bytes() == MINUTES
    assert (evidence / evidenced["register.csv"]).read_bytes() == REGISTER
    url = target if using_postgres() else f"sqlite:///{target}"
    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        assert set(connection.execute(text(
            "SELECT stored_name FROM action_update WHERE stored_name IS NOT NULL")).scalars()) == set(evidenced.values())
    engine.dispose()


def test_a_tampered_archive_is_refused_and_nothing_is_restored(app, evidenced, tmp_path):
    archive = _backup(app, tmp_path)
    stored = evidenced["minutes.pdf"]
    tampered = _rewrite(archive, tmp_path / "tampered.tar",
                        lambda name, data: b"%PDF-1.4 minutes, altered" if name == f"evidence/{stored}" else data)
    target, evidence = _target(tmp_path), tmp_path / "restored-evidence"
    result = _restore(app, tampered, target, evidence)
    assert result.exit_code == 1
    assert f"evidence/{stored} does not match its SHA-256 checksum" in result.output
    _nothing_restored(target, evidence)


def test_an_incomplete_archive_is_refused_and_nothing_is_restored(app, evidenced, tmp_path):
    archive = _backup(app, tmp_path)
    stored = evidenced["register.csv"]
    incomplete = _rewrite(archive, tmp_path / "incomplete.tar",
                          lambda name, data: None if name == f"evidence/{stored}" else data)
    target, evidence = _target(tmp_path), tmp_path / "restored-evidence"
    result = _restore(app, incomplete, target, evidence)
    assert result.exit_code == 1
    assert f"evidence/{stored} is missing" in result.output
    _nothing_restored(target, evidence)
    # A file slipped in that the manifest does not list is refused too.
    extra = _rewrite(archive, tmp_path / "extra.tar", lambda name, data: data)
    with tarfile.open(extra, "a") as tar:
        member = tarfile.TarInfo("evidence/../../outside")
        member.size = 3
        tar.addfile(member, io.BytesIO(b"bad"))
    result = _restore(app, extra, target, evidence)
    assert result.exit_code == 1 and "not in its manifest" in result.output
    _nothing_restored(target, evidence)
    assert not (tmp_path / "outside").exists()


def test_restore_still_refuses_a_target_that_is_not_empty(app, evidenced, tmp_path):
    archive = _backup(app, tmp_path)
    target, evidence = _target(tmp_path), tmp_path / "restored-evidence"
    evidence.mkdir()
    (evidence / "someone-elses-file").write_text("keep me")
    result = _restore(app, archive, target, evidence)
    assert result.exit_code == 1 and "is not empty" in result.output
    assert (evidence / "someone-elses-file").read_text() == "keep me"
    assert sorted(p.name for p in evidence.iterdir()) == ["someone-elses-file"]
    if not using_postgres():
        Path(target).write_text("keep me too")
        result = _restore(app, archive, target, tmp_path / "new-evidence")
        assert result.exit_code == 1 and "already exists" in result.output
        assert Path(target).read_text() == "keep me too"
        assert not (tmp_path / "new-evidence").exists()
