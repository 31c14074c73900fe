"""Second security review: everything the app writes is readable by its own account only
(directories 0700, files 0600), whatever umask it was started under."""
import io
import os
import stat
from pathlib import Path

from sqlalchemy import text

from qa_app import create_app
from qa_app.extensions import db
from qa_app.models import Role
from qa_app.services import exports
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests import conftest
from tests.conftest import using_postgres
from tests.helpers import csrf_token, make_user, sign_in


def _modes(folder: Path) -> dict[str, str]:
    found = {}
    for path in [folder, *folder.rglob("*")]:
        found[str(path.relative_to(folder.parent))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def test_everything_the_app_creates_is_readable_by_its_own_account_only(database_url, tmp_path):
    old_umask = os.umask(0o022)  # a shell's usual umask: files 0644, folders 0755
    try:
        database_file = None if using_postgres() else Path(str(database_url).removeprefix("sqlite:///"))
        if database_file:
            os.chmod(database_file, 0o644)  # as a copy made under the shell's umask would be
        config = conftest.test_config(database_url)
        config.INSTANCE_PATH = str(tmp_path / "instance")
        app = create_app(config)
        with app.app_context():
            user = make_user(Role.QA_LEAD)
            import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                               [["C1", "R1", "2015-05-01", "nfa", "", "North"]]))
            exports.pseudonym_key()
            db.session.execute(text("SELECT 1"))
        client = app.test_client()
        sign_in(client, user.email)
        client.post("/data/imports/new", data={
            "csrf_token": csrf_token(client), "kind": "referrals",
            "file": (io.BytesIO(b"child_id,referral_id,referral_date,decision\nC2,R2,2015-06-01,nfa\n"), "r2.csv")},
            content_type="multipart/form-data")
        backup = tmp_path / ("backup.dump" if using_postgres() else "backup.sqlite3")
        assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
        modes = _modes(tmp_path / "instance")
        assert any("uploads" in name for name in modes) and "instance/pseudonym_key" in modes
        wrong = {name: mode for name, mode in modes.items()
                 if mode != ("0o700" if (tmp_path / name).is_dir() else "0o600")}
        assert wrong == {}
        assert oct(stat.S_IMODE(backup.stat().st_mode)) == "0o600"
        if database_file:
            for path in database_file.parent.glob(database_file.name + "*"):
                assert oct(stat.S_IMODE(path.stat().st_mode)) == "0o600", path.name
        with app.app_context():
            db.engine.dispose()
    finally:
        os.umask(old_umask)
