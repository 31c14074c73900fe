"""Second security review: restores that refuse a database already in use."""
import pytest
from sqlalchemy import create_engine, inspect, text

from config import normalise_database_url
from tests.conftest import SERVER_DATABASE_URL, using_postgres
from tests.test_backups import restore_database


@pytest.mark.skipif(not using_postgres(), reason="pg_restore into a server database")
def test_a_postgresql_restore_into_a_database_that_holds_tables_is_refused_and_adds_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "backup.dump")]).exit_code == 0
    target = restore_database(SERVER_DATABASE_URL)
    engine = create_engine(normalise_database_url(target))
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE another_apps_table (id integer)"))
        result = runner.invoke(args=["restore", str(tmp_path / "backup.dump"), "--to", target])
        assert result.exit_code != 0 and "is not empty" in result.output
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == ["another_apps_table"]
    finally:
        engine.dispose()
