"""The columnar import path (audit_tools.readers.columnar) gives exactly what the row path
gives: the same stored rows, the same added/updated/unchanged counts, the same errors and
warnings, over random sequences of house CSV files with bad cells, blanks, duplicate ids,
messy headings, title rows and re-imports with some rows changed."""
import dataclasses
import string
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from audit_tools.readers import columnar, formats
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.services import data_quality, import_frame
from qa_app.models import (Child, CPPlan, ImportBatch, Referral, StagedChild, StagedPlan,
                           StagedReferral)
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.conftest import using_postgres

TODAY = date.today()
CHILDREN = ["C1", "C2", "C3", " C4 ", "C\xa05", "Ç6", "x" * 65]
DAYS = ["2015-04-01", "01/06/2015", "2016-02-29", "29/02/2016", "2015-04-01 00:00", " 2014-03-31 ",
        "31/02/2015", "2015-13-01", "1989-12-31", (TODAY + timedelta(days=1)).isoformat(),
        "=TODAY()", "", "next week"]
DECISIONS = ["NFA", "nfa", "Social work assessment", "SWA", "S47", "Strategy/S47", "Early help",
             "advice", "a) NFA", "maybe", ""]
SOURCES = ["6", "2A", "j) 3D: Health services", "Police", "11", ""]
CATEGORIES = ["NEG", "Neglect", "b) Physical abuse", "mul", "XYZ", ""]
TEAMS = ["Compass", " North ", "#N/A", "", "T" * 120]


def _ids(prefix):
    return st.sampled_from([f"{prefix}{n}" for n in range(1, 7)] + ["", f" {prefix}9 ", f"{prefix}\xa07"])


def _cells(good, messy):
    """Mostly good cells, so that many files are all good and take the columnar path."""
    return st.one_of(st.sampled_from(good), st.sampled_from(messy)) if messy else st.sampled_from(good)


referral_rows = st.lists(st.tuples(
    _cells(CHILDREN[:3], CHILDREN), _ids("R"), _cells(DAYS[:6], DAYS), _cells(DECISIONS[:8], DECISIONS),
    _cells(SOURCES[:4], SOURCES), _cells(TEAMS[:2], TEAMS)).map(list), min_size=0, max_size=8)
plan_rows = st.lists(st.tuples(
    _cells(CHILDREN[:3], CHILDREN), _ids("P"), _cells(DAYS[:6], DAYS),
    _cells(["", "2016-03-31", "01/05/2015", "2015-04-01"], ["2014-01-01", "bad"]),
    _cells(CATEGORIES[:4], CATEGORIES), _cells(TEAMS[:2], TEAMS)).map(list), min_size=0, max_size=6)
HEADING_STYLES = st.sampled_from(["plain", "messy", "title row", "extra column", "blank lines", "quoted"])


@st.composite
def files(draw):
    kind = draw(st.sampled_from(["referrals", "cp-plans"]))
    rows = draw(referral_rows if kind == "referrals" else plan_rows)
    return kind, rows, draw(HEADING_STYLES)


def _write(path, kind, rows, style):
    headings = list(REFERRAL_HEADINGS if kind == "referrals" else PLAN_HEADINGS)
    if style == "messy":
        headings = [" " + h.replace("_", " ").title() + " " for h in headings]
    if style == "extra column":
        headings.append("Notes")
        rows = [row + ["a note"] for row in rows]
    if style == "blank lines":
        rows = rows[:1] + [[]] + [[""] * len(headings)] + rows[1:]
    text = "\n".join(",".join(row) for row in [headings] + rows) + "\n"
    if style == "title row":
        text = "Referrals extract\n" + text
    if style == "quoted":
        text = "\n".join(",".join(f'"{cell}"' for cell in row) for row in [headings] + rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def row_path_only():
    saved = dict(formats.FORMATS)
    for kind, spec in saved.items():
        formats.FORMATS[kind] = dataclasses.replace(spec, frame_reader=None)
    try:
        yield
    finally:
        formats.FORMATS.update(saved)


@contextmanager
def noting_columnar_reads(taken: list):
    saved = dict(formats.FORMATS)
    for kind, spec in saved.items():
        if spec.frame_reader:
            def reader(*args, _read=spec.frame_reader):
                checked = _read(*args)
                taken.append(checked is not None)
                return checked
            formats.FORMATS[kind] = dataclasses.replace(spec, frame_reader=reader)
    try:
        yield
    finally:
        formats.FORMATS.update(saved)


def _empty_case_data():
    for model in (StagedReferral, StagedPlan, StagedChild, Referral, CPPlan, Child):
        db.session.execute(delete(model))
    db.session.commit()


def _run(tmp_path, sequence, label):
    """Import each file in turn; what a user sees of each batch, and then what is stored."""
    seen, batch_ids = [], []
    for number, (kind, rows, style) in enumerate(sequence):
        path = _write(tmp_path / f"{label}-{number}.csv", kind, rows, style)
        batch = import_file(kind, path, f"file-{number}.csv")
        batch_ids.append(batch.id)
        seen.append({"status": batch.status, "counts": batch.counts, "errors": batch.errors,
                     "error_count": batch.error_count, "warnings": batch.warnings,
                     "warning_count": batch.warning_count, "layout": batch.layout,
                     "dropped": batch.dropped_columns, "rows": batch.rows_processed})
    which = {batch_id: n for n, batch_id in enumerate(batch_ids)}
    stored = {
        "referrals": [(*row[:-1], which.get(row[-1])) for row in db.session.execute(
            select(Referral.referral_id, Referral.child_id, Referral.referral_date, Referral.decision,
                   Referral.source, Referral.team, Referral.import_batch_id).order_by(Referral.referral_id))],
        "plans": [(*row[:-1], which.get(row[-1])) for row in db.session.execute(
            select(CPPlan.plan_id, CPPlan.child_id, CPPlan.start_date, CPPlan.end_date, CPPlan.category,
                   CPPlan.team, CPPlan.previous_plans, CPPlan.import_batch_id).order_by(CPPlan.plan_id))],
        "children": db.session.scalars(select(Child.child_id).order_by(Child.child_id)).all(),
    }
    return seen, stored


@contextmanager
def blocks_of(size: int):
    """The columnar reader reading `size` bytes at a time, so that small files span blocks."""
    saved = columnar.BLOCK
    columnar.BLOCK = size
    try:
        yield
    finally:
        columnar.BLOCK = saved


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sequence=st.lists(files(), min_size=1, max_size=3), block=st.sampled_from([columnar.BLOCK, 1, 30, 64]))
def test_the_columnar_path_equals_the_row_path(app, tmp_path, sequence, block):
    with app.app_context():
        _empty_case_data()
        taken = []
        with noting_columnar_reads(taken), blocks_of(block):
            fast = _run(tmp_path, sequence, "fast")
        _empty_case_data()
        with row_path_only():
            slow = _run(tmp_path, sequence, "slow")
        _empty_case_data()
    assert fast == slow


def test_good_files_with_messy_cells_take_the_columnar_path_and_match(app, tmp_path):
    """UK dates, coded answers, padded ids and headings, #N/A teams, an extra column: all good,
    so read a column at a time; then a re-import with a row changed and one added."""
    first = [["C1", "R1", "01/06/2015", "a) NFA", "j) 3D: Health services", "#N/A"],
             [" C2 ", "R2", "2016-02-29", "S47", "", " North "],
             ["C2", "R3", "2016-02-29", "advice", "6", "Compass"]]
    changed = first[:2] + [["C2", "R3", "2016-02-29", "Early help", "6", "Compass"],
                           ["C3", "R4", "2015-04-01", "SWA", "2A", ""]]
    plans = [["C2", "P1", "2016-03-01", "", "Neglect", "North"], ["C1", "P2", "01/06/2015", "2015-06-01", "", ""]]
    sequence = [("referrals", first, "messy"), ("cp-plans", plans, "extra column"),
                ("referrals", changed, "blank lines")]
    with app.app_context():
        taken = []
        with noting_columnar_reads(taken):
            fast = _run(tmp_path, sequence, "fast")
        assert taken == [True, True, True]
        assert [s["counts"].get("referrals") for s in fast[0][::2]] == [
            {"added": 3, "updated": 0, "unchanged": 0}, {"added": 1, "updated": 1, "unchanged": 2}]
        assert fast[0][1]["warning_count"] > 0  # the same-day plan and the NFA then plan
        _empty_case_data()
        with row_path_only():
            slow = _run(tmp_path, sequence, "slow")
    assert fast == slow


def test_files_the_columnar_reader_cannot_be_sure_of_are_read_row_by_row(app, tmp_path):
    """A bad cell, quoting, a title row: the row path reads them, naming each bad cell."""
    bad = [["C1", "R1", "31/02/2015", "NFA", "", ""], ["C1", "R1", "2015-04-01", "maybe", "", ""]]
    good = [["C1", "R1", "2015-04-01", "NFA", "", ""]]
    with app.app_context():
        taken = []
        with noting_columnar_reads(taken):
            seen, _ = _run(tmp_path, [("referrals", bad, "plain"), ("referrals", good, "quoted"),
                                      ("referrals", good, "title row")], "fast")
    assert taken == [False, False, False]
    assert [s["status"] for s in seen] == ["failed", "succeeded", "succeeded"]
    # R1 is there twice, each copy with a bad cell: named in the same round (issue 24).
    assert [(e["location"], e["column"]) for e in seen[0]["errors"]] == [
        ("row 2", "referral_date"), ("row 3", "decision"), ("row 2", "referral_id")]


def test_duplicate_ids_found_in_the_frame_are_named_as_the_row_path_names_them(app, tmp_path):
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R1", "2015-04-02", "NFA", "", ""]]
    with app.app_context():
        taken = []
        with noting_columnar_reads(taken):
            seen, stored = _run(tmp_path, [("referrals", rows, "plain")], "fast")
    assert taken == [True]
    assert seen[0]["status"] == "failed" and stored["referrals"] == []
    assert seen[0]["errors"][0]["expected"].startswith("expected each referral_id once in the file, "
                                                       "but it is there 2 times (row 2, row 3")


@contextmanager
def noting_frame_loads(loaded: list):
    """Note, for each import that reached the merge with its rows still in a frame, whether
    they went straight into their empty table ("first") or were merged with stored rows."""
    original = import_frame.load_frame

    def load_frame(*args):
        frame_load = original(*args)
        loaded.append("first" if frame_load.first else "merged")
        return frame_load
    import_frame.load_frame = load_frame
    try:
        yield
    finally:
        import_frame.load_frame = original


# A first load of referrals, plans into a database holding them (some children known, some not),
# and referrals again: also the sequence tests/test_import_publish_in_steps.py publishes in steps.
FIRST_REFERRALS = [["C1", "R1", "2015-04-01", "NFA", "6", "North"],
                   ["C2", "R2", "2015-05-01", "S47", "", ""],
                   ["C2", "R3", "2015-05-01", "advice", "2A", "Compass"],
                   ["C3", "R4", "2016-02-29", "NFA", "", ""]]
FIRST_PLANS = [["C1", "P1", "2015-06-01", "", "NEG", "North"], ["C9", "P2", "01/06/2015", "2015-07-01", "", ""],
               ["C2", "P3", "2013-01-01", "2013-02-01", "EMO", ""]]
REFERRALS_AGAIN = FIRST_REFERRALS[:3] + [["C4", "R5", "2015-04-02", "SWA", "", ""]]


def test_a_first_load_into_an_empty_or_a_loaded_database_equals_the_row_path(app, tmp_path):
    """Referrals into an empty database and plans into one holding them (some of their
    children known, some not) go straight into their tables; a second referrals file is
    merged with the stored rows. Every count, warning and location is the row path's."""
    sequence = [("referrals", FIRST_REFERRALS, "plain"), ("cp-plans", FIRST_PLANS, "plain"),
                ("referrals", REFERRALS_AGAIN, "plain")]
    with app.app_context():
        _empty_case_data()
        loaded = []
        with noting_frame_loads(loaded):
            fast = _run(tmp_path, sequence, "fast")
        assert loaded == ["first", "first", "merged"]
        assert fast[0][1]["counts"]["children"] == {"added": 1, "already_known": 2}
        assert fast[0][1]["warning_count"] > 0 and fast[0][0]["warning_count"] > 0
        _empty_case_data()
        with row_path_only():
            slow = _run(tmp_path, sequence, "slow")
        _empty_case_data()
    assert fast == slow


# Good cells only, so that every file takes the columnar path and a second file of the same
# kind is merged from its frame. Plans end on or after every start drawn.
good_referral_cells = st.tuples(st.sampled_from(CHILDREN[:3]), st.sampled_from(DAYS[:6]),
                                st.sampled_from(DECISIONS[:8]), st.sampled_from(SOURCES[:4]), st.sampled_from(TEAMS[:2]))
good_plan_cells = st.tuples(st.sampled_from(CHILDREN[:3]), st.sampled_from(DAYS[:6]),
                            st.sampled_from(["", "2016-03-31", "2017-01-01"]), st.sampled_from(CATEGORIES[:4]),
                            st.sampled_from(TEAMS[:2]))


@st.composite
def re_imports(draw):
    """A file of unique ids, then a second one: each row kept, changed (cells drawn again) or
    left out, a few new rows, in a shuffled order."""
    kind = draw(st.sampled_from(["referrals", "cp-plans"]))
    cells, prefix = (good_referral_cells, "R") if kind == "referrals" else (good_plan_cells, "P")

    def row(record_id, drawn):
        child, *rest = drawn
        return [child, record_id, *rest]
    first = [row(f"{prefix}{n}", drawn) for n, drawn in enumerate(draw(st.lists(cells, min_size=1, max_size=8)), 1)]
    second = []
    for kept in first:
        fate = draw(st.sampled_from(["keep", "change", "leave out"]))
        if fate != "leave out":
            second.append(list(kept) if fate == "keep" else row(kept[1], draw(cells)))
    second += [row(f"{prefix}{100 + n}", drawn) for n, drawn in enumerate(draw(st.lists(cells, max_size=3)))]
    return kind, first, draw(st.permutations(second or [first[0]]))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(re_import=re_imports())
def test_a_re_import_merged_from_the_frame_equals_the_row_path(app, tmp_path, re_import):
    """Counts of added, updated and unchanged, the stored rows and which import last wrote
    each, warnings and their rows: as the row path gives, for random changes to a file."""
    kind, first, second = re_import
    sequence = [(kind, first, "plain"), (kind, second, "plain")]
    with app.app_context():
        _empty_case_data()
        loaded = []
        with noting_frame_loads(loaded):
            fast = _run(tmp_path, sequence, "fast")
        _empty_case_data()
        with row_path_only():
            slow = _run(tmp_path, sequence, "slow")
        _empty_case_data()
    assert loaded == ["first", "merged"]
    assert fast == slow


def test_a_re_import_writes_only_the_new_and_changed_rows(app, tmp_path):
    """A second file, in another order, with one row as before, one changed, one new and a
    row of the first left out: the counts say so, the unchanged row keeps the import that
    wrote it, the left-out row stays, and the warnings name the second file's own rows."""
    first = [["C1", "R1", "2015-04-01", "NFA", "6", "North"], ["C2", "R2", "2015-05-01", "S47", "", ""],
             ["C5", "R9", "2015-03-01", "SWA", "", ""]]
    second = [["C3", "R3", "2015-06-01", "SWA", "", ""], ["C2", "R2", "2015-05-02", "S47", "", ""],
              ["C1", "R1", "2015-04-01", "NFA", "6", "North"], ["C3", "R4", "2015-06-01", "NFA", "", ""]]
    with app.app_context():
        _empty_case_data()
        loaded = []
        with noting_frame_loads(loaded):
            one = import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, first))
            two = import_file("referrals", write_csv(tmp_path / "second.csv", REFERRAL_HEADINGS, second))
        stored = db.session.execute(select(Referral.referral_id, Referral.referral_date, Referral.import_batch_id)
                                    .order_by(Referral.referral_id)).all()
        _empty_case_data()
        with row_path_only():
            import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, first))
            by_rows = import_file("referrals", write_csv(tmp_path / "second.csv", REFERRAL_HEADINGS, second))
        _empty_case_data()
    assert loaded == ["first", "merged"]
    assert two.status == "succeeded"
    assert two.counts["referrals"] == {"added": 2, "updated": 1, "unchanged": 1}
    assert two.counts["children"] == {"added": 1, "already_known": 2}
    assert stored == [("R1", date(2015, 4, 1), one.id), ("R2", date(2015, 5, 2), two.id),
                      ("R3", date(2015, 6, 1), two.id), ("R4", date(2015, 6, 1), two.id),
                      ("R9", date(2015, 3, 1), one.id)]
    # Same-day referrals R3 and R4 of child C3, listed where the second file has them.
    assert two.warnings and two.warnings == by_rows.warnings
    assert (two.counts, two.warning_count) == (by_rows.counts, by_rows.warning_count)


def test_a_merge_tells_apart_values_the_database_holds_differently(app, tmp_path):
    """The merge compares what is stored with what the file holds: a plan whose Annex A
    count of previous plans the house file cannot carry is updated (blanked), as the row
    path does; a team differing only in an accent, or whose text could run into the next
    column's, is changed; the same values in another order of rows are unchanged."""
    first = [["C1", "P1", "2015-04-01", "", "NEG", "Nörth"], ["C2", "P2", "2015-05-01", "2015-09-01", "", "1:a"],
             ["C3", "P3", "2015-06-01", "", "EMO", "Compass"]]
    second = [["C3", "P3", "2015-06-01", "", "EMO", "Compass"], ["C1", "P1", "2015-04-01", "", "NEG", "North"],
              ["C2", "P2", "2015-05-01", "2015-09-01", "", "1:a "]]
    outcomes, loaded = {}, []
    for path_taken in ("fast", "slow"):
        with app.app_context():
            _empty_case_data()
            with noting_frame_loads(loaded) if path_taken == "fast" else row_path_only():
                import_file("cp-plans", write_csv(tmp_path / "first.csv", PLAN_HEADINGS, first))
                # As an Annex A import would have it.
                db.session.execute(update(CPPlan).where(CPPlan.plan_id == "P3").values(previous_plans=2))
                db.session.commit()
                again = import_file("cp-plans", write_csv(tmp_path / "second.csv", PLAN_HEADINGS, second))
            outcomes[path_taken] = (again.counts, db.session.execute(
                select(CPPlan.plan_id, CPPlan.team, CPPlan.previous_plans).order_by(CPPlan.plan_id)).all())
            _empty_case_data()
    assert loaded == ["first", "merged"]
    # "1:a " is read as "1:a" (cells are trimmed), so P2 is unchanged.
    assert outcomes["fast"][0]["cp_plans"] == {"added": 0, "updated": 2, "unchanged": 1}
    assert outcomes["fast"][1] == [("P1", "North", None), ("P2", "1:a", None), ("P3", "Compass", None)]
    assert outcomes["fast"] == outcomes["slow"]


def _import_with_a_fault_in_the_checks(monkeypatch, path, rows):
    """A referrals file imported with the batch data-quality checks failing, after the rows
    are written: the batch, and how its frame was loaded."""
    def failing(*args):
        raise RuntimeError("a fault in the checks")
    monkeypatch.setattr(data_quality, "record_for_batch", failing)
    loaded = []
    with noting_frame_loads(loaded):
        batch = import_file("referrals", write_csv(path, REFERRAL_HEADINGS, rows))
    return batch, loaded


def test_a_merge_that_fails_part_way_leaves_the_stored_rows_as_they_were(app, tmp_path, monkeypatch):
    """All or nothing for a re-import too: a fault after the new and changed rows are written
    leaves the first file's rows, children and import batch ids untouched."""
    first = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    second = [["C1", "R1", "2015-04-09", "NFA", "", ""], ["C3", "R3", "2015-05-01", "S47", "", ""]]
    with app.app_context():
        _empty_case_data()
        import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, first))
        before = db.session.execute(select(Referral.referral_id, Referral.referral_date, Referral.import_batch_id)
                                    .order_by(Referral.referral_id)).all()
        batch, loaded = _import_with_a_fault_in_the_checks(monkeypatch, tmp_path / "second.csv", second)
        after = db.session.execute(select(Referral.referral_id, Referral.referral_date, Referral.import_batch_id)
                                   .order_by(Referral.referral_id)).all()
        children = db.session.scalars(select(Child.child_id).order_by(Child.child_id)).all()
        _empty_case_data()
    assert loaded == ["merged"]
    assert batch.status == "failed" and "nothing was written" in batch.errors[0]["expected"]
    assert after == before and children == ["C1", "C2"]


def test_a_first_load_that_fails_part_way_writes_nothing_and_keeps_the_indexes(app, tmp_path, monkeypatch):
    """All or nothing: a fault after the rows are in (here, in the data-quality checks) rolls
    back the rows, the children and the dropped indexes alike."""
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    with app.app_context():
        _empty_case_data()
        indexes = {index["name"] for index in inspect(db.session.connection()).get_indexes("referral")}
        batch, loaded = _import_with_a_fault_in_the_checks(monkeypatch, tmp_path / "referrals.csv", rows)
        counts = (db.session.scalar(select(func.count()).select_from(Referral)),
                  db.session.scalar(select(func.count()).select_from(Child)))
        after = {index["name"] for index in inspect(db.session.connection()).get_indexes("referral")}
    assert loaded == ["first"]
    assert batch.status == "failed" and "nothing was written" in batch.errors[0]["expected"]
    assert counts == (0, 0)
    assert after == indexes and "ix_referral_child_date" in after


def test_a_first_load_naming_a_child_who_is_missing_writes_nothing(app, tmp_path, monkeypatch):
    """A first load's keys are checked once for the whole table, not row by row, but as
    surely: had a child not been added, no referral of it (nor anything else) is kept."""
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    with app.app_context():
        _empty_case_data()
        add_children, added = import_frame._add_children, []

        def all_but_c2(ids):
            added.extend(ids.filter(ids != "C2"))
            return add_children(ids.filter(ids != "C2"))
        monkeypatch.setattr(import_frame, "_add_children", all_but_c2)
        batch = import_file("referrals", write_csv(tmp_path / "referrals.csv", REFERRAL_HEADINGS, rows))
        counts = (db.session.scalar(select(func.count()).select_from(Referral)),
                  db.session.scalar(select(func.count()).select_from(Child)))
    assert added == ["C1"]  # a first load, short of a child
    assert batch.status == "failed" and "nothing was written" in batch.errors[0]["expected"]
    assert counts == (0, 0)


def test_after_a_first_load_a_referral_of_an_unknown_child_is_refused_again(app, tmp_path):
    rows = [["C1", "R1", "2015-04-01", "NFA", "", ""]]
    with app.app_context():
        _empty_case_data()
        loaded = []
        with noting_frame_loads(loaded):
            batch = import_file("referrals", write_csv(tmp_path / "referrals.csv", REFERRAL_HEADINGS, rows))
        assert loaded == ["first"] and batch.status == "succeeded"
        with pytest.raises(IntegrityError):
            with write_transaction():
                db.session.add(Referral(referral_id="R2", child_id="nobody", referral_date=date(2015, 5, 1),
                                        decision="nfa"))
        assert db.session.scalars(select(Referral.referral_id)).all() == ["R1"]
        _empty_case_data()


@pytest.mark.skipif(using_postgres(), reason="PostgreSQL's first load locks the table instead")
def test_a_table_filled_while_a_first_load_began_again_is_merged_as_usual(app, tmp_path, monkeypatch):
    """On SQLite a first load begins its transaction again (for the foreign keys) and looks
    at the table again: if another import filled it meanwhile, the file is merged."""
    first = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-01", "S47", "", ""]]
    second = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C2", "R2", "2015-05-02", "S47", "", ""],
              ["C3", "R3", "2015-06-01", "SWA", "", ""]]
    with app.app_context():
        _empty_case_data()
        import_file("referrals", write_csv(tmp_path / "first.csv", REFERRAL_HEADINGS, first))
        empty, looks = import_frame.table_empty, []

        def empty_at_first_look(target):
            looks.append(target)
            return len(looks) == 1 or empty(target)
        monkeypatch.setattr(import_frame, "table_empty", empty_at_first_look)
        loaded = []
        with noting_frame_loads(loaded):
            batch = import_file("referrals", write_csv(tmp_path / "second.csv", REFERRAL_HEADINGS, second))
        stored = db.session.execute(select(Referral.referral_id, Referral.referral_date)
                                    .order_by(Referral.referral_id)).all()
        _empty_case_data()
    assert loaded == ["merged"]
    assert batch.status == "succeeded"
    assert batch.counts["referrals"] == {"added": 1, "updated": 1, "unchanged": 1}
    assert batch.counts["children"] == {"added": 1, "already_known": 2}
    assert stored == [("R1", date(2015, 4, 1)), ("R2", date(2015, 5, 2)), ("R3", date(2015, 6, 1))]


def test_a_big_file_with_a_quote_far_down_is_read_row_by_row_whole(app, tmp_path):
    """The reader reads a block at a time: a quote in a later block sends the whole file to the
    row path, not just the blocks after it."""
    rows = [[f"C{n}", f"R{n}", "2015-04-01", "NFA", "", ""] for n in range(40)]
    rows[-1][5] = '"North"'
    with app.app_context():
        _empty_case_data()
        taken = []
        with noting_columnar_reads(taken), blocks_of(100):
            seen, stored = _run(tmp_path, [("referrals", rows, "plain")], "fast")
        _empty_case_data()
    assert taken == [False]
    assert seen[0]["counts"]["referrals"]["added"] == 40 and len(stored["referrals"]) == 40


# The findings per child read only the records that can take part in one
# (import_findings._finding_queries); the reference reads every referral and plan of each child
# the file touched. Days close together, so that same-day referrals, overlapping and same-day
# plans and NFA referrals shortly before a plan all happen.
BASE_DAY = date(2015, 4, 1)
FINDING_DAYS = st.sampled_from([0, 1, 2, 31, 32, 33, 60])  # 30 days apart and 31, both ways
finding_referrals = st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3"]), FINDING_DAYS,
                                       st.sampled_from(["NFA", "SWA"])), min_size=1, max_size=8)
finding_plans = st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3", "C4"]), FINDING_DAYS,
                                   st.sampled_from([None, 0, 1, 30, 31])), min_size=1, max_size=5)


def _finding_files(referrals, plans):
    """A referrals file, then a plans file, then the referrals again with every other one
    left out (a re-import, merged from its frame)."""
    referral_rows = [[child, f"R{n}", (BASE_DAY + timedelta(days=day)).isoformat(), decision, "", ""]
                     for n, (child, day, decision) in enumerate(referrals)]
    plan_rows = [[child, f"P{n}", (BASE_DAY + timedelta(days=day)).isoformat(),
                  "" if length is None else (BASE_DAY + timedelta(days=day + length)).isoformat(), "", ""]
                 for n, (child, day, length) in enumerate(plans)]
    return [("referrals", referral_rows), ("cp-plans", plan_rows), ("referrals", referral_rows[::2])]


def _reference_findings(batch, children) -> tuple[list, dict]:
    """audit_tools.quality's findings over every record of the children the file touched, in
    child id order, each put to an ImportReport as the import words it."""
    from audit_tools.quality import child_findings
    from audit_tools.readers import ImportReport
    from qa_app.services.case_data import plan_record, referral_record
    from qa_app.services.case_data import PLAN_COLUMNS, REFERRAL_COLUMNS
    report = ImportReport(batch.file_name)
    for child_id in sorted(children):
        referrals = [referral_record(row) for row in db.session.execute(
            select(*REFERRAL_COLUMNS).where(Referral.child_id == child_id))]
        plans = [plan_record(row) for row in db.session.execute(
            select(*PLAN_COLUMNS).where(CPPlan.child_id == child_id))]
        for finding in child_findings(child_id, referrals, plans):
            report.warning(f"child {child_id}", None, ", ".join(finding.record_ids),
                           f"{finding.label}: {finding.detail}", kind=finding.kind)
    return [p.as_dict() for p in report.warnings], report.warning_kinds


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(referrals=finding_referrals, plans=finding_plans)
# Each finding at its edge: NFA 30 days before a plan and 31, the same day twice, a plan
# starting and ending on one day (a child's only plan), plans overlapping or just meeting.
@example(referrals=[("C1", 1, "NFA"), ("C1", 1, "SWA"), ("C2", 0, "NFA"), ("C3", 0, "NFA")],
         plans=[("C1", 31, 30), ("C2", 31, None), ("C3", 0, 0), ("C4", 31, 0), ("C4", 32, None)])
@example(referrals=[("C2", 2, "NFA"), ("C2", 2, "NFA"), ("C3", 60, "SWA")],
         plans=[("C2", 32, 1), ("C2", 33, 30), ("C3", 1, 31), ("C3", 32, None)])
def test_the_findings_per_child_equal_the_findings_over_every_record(app, tmp_path, referrals, plans):
    from audit_tools.quality import KINDS
    with app.app_context():
        _empty_case_data()
        for number, (kind, rows) in enumerate(_finding_files(referrals, plans)):
            path = write_csv(tmp_path / f"findings-{number}.csv",
                             REFERRAL_HEADINGS if kind == "referrals" else PLAN_HEADINGS, rows)
            batch = import_file(kind, path, f"file-{number}.csv")
            assert batch.status == "succeeded", batch.errors
            listed, counted = _reference_findings(batch, {row[0] for row in rows})
            assert [w for w in batch.warnings if w.get("kind") in KINDS] == listed
            kinds = batch.layout["warning_kinds"]
            assert [(k, n) for k, n in kinds.items() if k in KINDS] == list(counted.items())
        _empty_case_data()


# The batch checks on a child's date of birth count only the rows of children who have one,
# and the checks on the plan alone count without the children (data_quality._count_passes);
# the counts over everything loaded (in_loaded_data) still join every row to its child.
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(referrals=finding_referrals, plans=finding_plans,
       births=st.lists(st.one_of(st.none(), st.integers(-18 * 366 - 5, 60)), min_size=4, max_size=4))
# Referrals and plans before birth, a referral at 18 and one the day before, no date of birth.
@example(referrals=[("C1", 0, "NFA"), ("C2", 1, "SWA"), ("C2", 0, "SWA"), ("C3", 2, "NFA")],
         plans=[("C1", 1, None), ("C2", 31, 0), ("C3", 0, 30), ("C4", 60, None)],
         births=[2, -(date(2015, 4, 2) - date(1997, 4, 2)).days, None, 33])
def test_the_batch_checks_count_what_the_checks_over_everything_loaded_count(app, tmp_path, referrals,
                                                                           plans, births):
    with app.app_context():
        _empty_case_data()
        for child_id, offset in zip(["C1", "C2", "C3", "C4"], births):
            born = None if offset is None else BASE_DAY + timedelta(days=offset)
            db.session.add(Child(child_id=child_id, date_of_birth=born))
        db.session.commit()
        files = _finding_files(referrals, plans)[:2]
        for number, (kind, rows) in enumerate(files * 2):  # each a first load, then a re-import
            path = write_csv(tmp_path / f"checks-{number}.csv",
                             REFERRAL_HEADINGS if kind == "referrals" else PLAN_HEADINGS, rows)
            batch = import_file(kind, path, f"file-{number}.csv")
            assert batch.status == "succeeded", batch.errors
            records = "referral" if kind == "referrals" else "plan"
            days = [date.fromisoformat(day) for row in rows for day in row[2:3 if records == "referral" else 4] if day]
            loaded = {found.check.kind: found.count for found in data_quality.in_loaded_data(max(days))
                      if found.check.records == records and found.check.kind != "no_birth_date"}
            kinds = batch.layout["warning_kinds"]
            assert {kind: kinds.get(kind, 0) for kind in loaded} == loaded
        _empty_case_data()
