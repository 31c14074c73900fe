"""Issue 21, point 1: on SQLite a large file is staged a chunk to a transaction, letting the write
lock go between chunks, and published from staging in one short transaction, so that another
user's save never waits for the whole import. Still all or nothing: a fault at any point leaves
the stored rows as they were, a reader never sees part of a file, and the result is the frame
path's and the row path's to the last count, warning and place in the file.

The threshold is lowered so that small files take this path. On PostgreSQL, whose writers lock
only what they write, the frame path stays, and these tests check that it gives the same."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, inspect, select, text

from config import normalise_database_url
from qa_app.extensions import db
from qa_app.models import Child, Referral, StagedReferral
from qa_app.services import data_quality, import_merge, imports
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.conftest import using_postgres
from tests.test_import_fast_path import FIRST_PLANS as PLANS
from tests.test_import_fast_path import FIRST_REFERRALS as REFERRALS
from tests.test_import_fast_path import REFERRALS_AGAIN as AGAIN
from tests.test_import_fast_path import _empty_case_data, _run, files, row_path_only


@pytest.fixture
def staged_first(monkeypatch):
    """Every file read into a frame is staged before publishing, two rows to a transaction."""
    monkeypatch.setattr(imports, "PUBLISH_FROM_FRAME_ROWS", 0)
    monkeypatch.setattr(imports, "SQLITE_WAITER_LOOKS_AGAIN_S", 0)
    monkeypatch.setattr(import_merge, "FRAME_CHUNK", 2)


def _staged_rows():
    return db.session.scalar(select(func.count()).select_from(StagedReferral))


def test_a_file_staged_before_publishing_equals_the_row_path(app, tmp_path, staged_first):
    """A first load, plans into a database holding referrals, and a re-import merged with the
    stored rows: every count, warning and location as the row path gives them."""
    sequence = [("referrals", REFERRALS, "plain"), ("cp-plans", PLANS, "plain"), ("referrals", AGAIN, "plain")]
    with app.app_context():
        _empty_case_data()
        staged = _run(tmp_path, sequence, "staged")
        left = _staged_rows()
        _empty_case_data()
        with row_path_only():
            rows = _run(tmp_path, sequence, "rows")
        _empty_case_data()
    assert staged == rows
    assert staged[0][0]["warning_count"] > 0 and staged[0][1]["counts"]["children"] == {"added": 1, "already_known": 2}
    assert left == 0  # the staged rows are deleted once published


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(files(), min_size=1, max_size=3))
def test_any_files_staged_before_publishing_equal_the_row_path(app, tmp_path, staged_first, sequence):
    with app.app_context():
        _empty_case_data()
        staged = _run(tmp_path, sequence, "staged")
        _empty_case_data()
        with row_path_only():
            rows = _run(tmp_path, sequence, "rows")
        _empty_case_data()
    assert staged == rows


def _other_reader(database_url):
    """Another user's connection, reading what is committed."""
    return create_engine(normalise_database_url(str(database_url)))


def test_a_reader_sees_none_of_a_file_until_it_is_all_published(app, database_url, tmp_path, staged_first,
                                                                monkeypatch):
    """While the file is staged, chunk by committed chunk, another connection sees the stored
    rows as they were; then all of the file at once."""
    seen = []
    reader = _other_reader(database_url)

    def looking(*args):  # where the import lets the write lock go between its steps
        with reader.connect() as connection:
            seen.append(connection.execute(text("SELECT count(*) FROM referral")).scalar())
    monkeypatch.setattr(imports, "_let_waiting_saves_in", looking)
    rows = [[f"C{n}", f"R{n}", "2015-04-01", "NFA", "", ""] for n in range(7)]
    with app.app_context():
        _empty_case_data()
        batch = import_file("referrals", write_csv(tmp_path / "referrals.csv", REFERRAL_HEADINGS, rows))
        stored = db.session.scalar(select(func.count()).select_from(Referral))
    reader.dispose()
    assert batch.status == "succeeded" and stored == 7
    if not using_postgres():
        assert seen == [0, 0, 0]  # between the four chunks staged and committed: none of them published


def _indexes():
    return {index["name"] for index in inspect(db.session.connection()).get_indexes("referral")}


def test_a_fault_after_publishing_writes_rolls_back_everything_and_leaves_no_staging(
        app, tmp_path, staged_first, monkeypatch):
    first = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    second = [["C1", "R1", "2015-04-09", "NFA", "", ""], ["C3", "R3", "2015-05-01", "S47", "", ""],
              ["C4", "R4", "2015-05-02", "S47", "", ""]]
    with app.app_context():
        _empty_case_data()
        indexes = _indexes()
        import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, first))
        before = db.session.execute(select(Referral.referral_id, Referral.referral_date, Referral.import_batch_id)
                                    .order_by(Referral.referral_id)).all()

        def failing(*args):
            raise RuntimeError("a fault in the checks")
        monkeypatch.setattr(data_quality, "record_for_batch", failing)
        batch = import_file("referrals", write_csv(tmp_path / "second.csv", REFERRAL_HEADINGS, second))
        failed = (batch.status, batch.errors[0]["expected"])
        after = db.session.execute(select(Referral.referral_id, Referral.referral_date, Referral.import_batch_id)
                                   .order_by(Referral.referral_id)).all()
        children = db.session.scalars(select(Child.child_id).order_by(Child.child_id)).all()
        left = _staged_rows()
        # And a first load that fails the same way writes nothing, its indexes put back.
        _empty_case_data()
        empty = import_file("referrals", write_csv(tmp_path / "third.csv", REFERRAL_HEADINGS, second)).status
        counts = (db.session.scalar(select(func.count()).select_from(Referral)),
                  db.session.scalar(select(func.count()).select_from(Child)), _staged_rows())
        after_indexes = _indexes()
        _empty_case_data()
    assert failed[0] == "failed" and "nothing was written" in failed[1]
    assert after == before and children == ["C1", "C2"] and left == 0
    assert empty == "failed" and counts == (0, 0, 0)
    assert after_indexes == indexes and "ix_referral_child_date" in after_indexes


@pytest.mark.skipif(using_postgres(), reason="PostgreSQL keeps the frame path: nothing is staged")
def test_a_fault_part_way_through_staging_writes_nothing_and_leaves_no_staging(
        app, tmp_path, staged_first, monkeypatch):
    copy_frame, chunks = import_merge.copy_frame, []

    def failing_on_the_third(table, frame, columns):
        chunks.append(table)
        if len(chunks) == 3:
            raise RuntimeError("the disk filled up")
        copy_frame(table, frame, columns)
    monkeypatch.setattr(import_merge, "copy_frame", failing_on_the_third)
    rows = [[f"C{n}", f"R{n}", "2015-04-01", "NFA", "", ""] for n in range(7)]
    with app.app_context():
        _empty_case_data()
        batch = import_file("referrals", write_csv(tmp_path / "referrals.csv", REFERRAL_HEADINGS, rows))
        counts = (db.session.scalar(select(func.count()).select_from(Referral)),
                  db.session.scalar(select(func.count()).select_from(Child)), _staged_rows())
    assert batch.status == "failed" and "nothing was written" in batch.errors[0]["expected"]
    assert counts == (0, 0, 0)
    assert chunks == ["staged_referral"] * 3  # two chunks had been committed to staging


def test_a_first_load_published_without_a_child_it_names_writes_nothing(app, tmp_path, staged_first, monkeypatch):
    """On SQLite a first load published from staging checks its foreign keys once, after the
    load, not row by row; as surely: had a child not been added, nothing is kept."""
    merge_children = import_merge.merge_children

    def all_but_c2(batch_id, total=None):
        counts = merge_children(batch_id, total)
        db.session.execute(text("DELETE FROM child WHERE child_id = 'C2'"))
        return counts
    monkeypatch.setattr(import_merge, "merge_children", all_but_c2)
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    with app.app_context():
        _empty_case_data()
        batch = import_file("referrals", write_csv(tmp_path / "referrals.csv", REFERRAL_HEADINGS, rows))
        counts = (db.session.scalar(select(func.count()).select_from(Referral)),
                  db.session.scalar(select(func.count()).select_from(Child)))
    if using_postgres():
        assert batch.status == "succeeded"  # the frame path, whose children are its own
        return
    assert batch.status == "failed" and "nothing was written" in batch.errors[0]["expected"]
    assert counts == (0, 0)


def test_staging_a_stopped_worker_left_behind_is_dropped_by_the_next_import_and_no_other(app, tmp_path, staged_first):
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""]]
    with app.app_context():
        _empty_case_data()
        done = import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, rows))
        # As if the worker had stopped after publishing, before deleting the staged rows.
        db.session.add_all([StagedReferral(batch_id=done.id, location=f"row {n}", referral_id=f"R{n}", child_id="C1",
                                           referral_date=done.created_at.date(), decision="nfa")
                            for n in range(5)])
        # And another import's, still under way (its batch not finished).
        db.session.add_all([StagedReferral(batch_id=done.id + 100, location=f"row {n}", referral_id=f"R{n}",
                                           child_id="C1", referral_date=done.created_at.date(), decision="nfa")
                            for n in range(3)])
        db.session.commit()
        assert _staged_rows() == 8
        import_file("referrals", write_csv(tmp_path / "second.csv", REFERRAL_HEADINGS, rows))
        left = db.session.scalars(select(StagedReferral.batch_id)).all()
        _empty_case_data()
    assert left == [done.id + 100] * 3


@pytest.mark.skipif(using_postgres(), reason="the frame path on PostgreSQL, which has no one write lock")
def test_only_a_large_file_is_staged_first(app, tmp_path, monkeypatch):
    """A file of up to PUBLISH_FROM_FRAME_ROWS rows still goes from its frame in one
    transaction (its lock is brief); a larger one is staged a chunk at a time."""
    monkeypatch.setattr(imports, "PUBLISH_FROM_FRAME_ROWS", 3)
    monkeypatch.setattr(imports, "SQLITE_WAITER_LOOKS_AGAIN_S", 0)
    staged = []
    stage_frame = imports._stage_frame
    monkeypatch.setattr(imports, "_stage_frame", lambda batch, checked: staged.append(checked.frame.height)
                        or stage_frame(batch, checked))
    with app.app_context():
        _empty_case_data()
        for n in (3, 4):
            rows = [[f"C{i}", f"R{n}-{i}", "2015-04-01", "NFA", "", ""] for i in range(n)]
            assert import_file("referrals", write_csv(tmp_path / f"{n}.csv", REFERRAL_HEADINGS, rows)).status == "succeeded"
        _empty_case_data()
    assert staged == [4]



@pytest.mark.parametrize("another_import_wrote", [False, True])
def test_a_first_loads_findings_are_worked_out_before_publishing_unless_the_data_changed(
        app, tmp_path, staged_first, monkeypatch, another_import_wrote):
    """A first load's findings read its staged rows before the write lock is taken. Had another
    import written to the tables they read in the meantime, they are worked out again, after
    publishing, as for any merge. Either way the warnings are the row path's."""
    from qa_app.services import import_findings
    early, late = [], []
    before, after = import_findings.findings_before_publishing, import_findings.record_quality_warnings

    def worked_out_early(*args):
        findings = before(*args)
        if another_import_wrote:
            findings.tables_then = {table: (-1, None, None) for table in findings.tables_then}
        early.append(args[1])
        return findings

    def worked_out_late(*args, **kwargs):
        late.append(kwargs.get("touched"))
        return after(*args, **kwargs)
    monkeypatch.setattr(import_findings, "findings_before_publishing", worked_out_early)
    monkeypatch.setattr(import_findings, "record_quality_warnings", worked_out_late)
    sequence = [("referrals", REFERRALS, "plain"), ("cp-plans", PLANS, "plain"), ("referrals", AGAIN, "plain")]
    with app.app_context():
        _empty_case_data()
        staged = _run(tmp_path, sequence, "staged")
        _empty_case_data()
        monkeypatch.undo()
        with row_path_only():
            rows = _run(tmp_path, sequence, "rows")
        _empty_case_data()
    assert staged == rows
    if using_postgres():
        return  # the frame path
    assert early == [["referral"], ["cp_plan"]]  # the two first loads; the re-import is a merge
    assert len(late) == (3 if another_import_wrote else 1)
