"""The rules behind "Who looked at this child" (qa_app/services/case_reads.py), each on its own:
which children an import's warnings name, how a read is told in plain words, and how repeated
reads are grouped. Written for the survivors of the mutation run (docs/testing.md); the admin
page's own journey is in tests/test_case_reads.py."""
from datetime import UTC, datetime
from types import SimpleNamespace

from qa_app.services.case_reads import children_in_import_warnings, group_reads, plain_words
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv


def _load(app, tmp_path, referrals, plans=()):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, referrals))
        if plans:
            import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, plans))


def test_an_import_warning_names_its_child_and_the_owners_of_the_records_it_shows(app, tmp_path):
    _load(app, tmp_path,
          [["C1", "R1", "2015-04-01", "nfa", "", "North"], ["C2", "R2", "2015-04-02", "nfa", "", "North"],
           ["C4", "R3", "2015-04-03", "nfa", "", "North"]],
          [["C3", "P9", "2015-04-01", "", "neglect", "North"]])
    warnings = [{"location": "child C7", "value": ""},
                {"location": "row 3", "value": " R1 ,, R2,"},  # the ids a row's warning shows
                {"location": "row 4", "value": "P9"},
                {"location": "row 5", "value": "2015-04-01"},  # a value that is nobody's id
                {"location": "children C8", "value": None},  # not "child <id>": no child named
                {"location": None, "value": None}]
    with app.app_context():
        assert children_in_import_warnings(warnings) == ["C1", "C2", "C3", "C7"]
        assert children_in_import_warnings([]) == [] and children_in_import_warnings(None) == []


def test_a_warning_naming_hundreds_of_records_finds_every_owner(app, tmp_path):
    """More ids than one query may carry (they are asked for 500 at a time): none is dropped."""
    rows = [[f"C{n:04d}", f"R{n:04d}", "2015-04-01", "nfa", "", "North"] for n in range(1, 1102)]
    _load(app, tmp_path, rows)
    value = ",".join(f"R{n:04d}" for n in range(1, 1102))
    with app.app_context():
        named = children_in_import_warnings([{"location": "row 2", "value": value}])
    assert named == [f"C{n:04d}" for n in range(1, 1102)]


def _event(n, *, kind=None, key=None, what="case audit", user="a@x.test", role="auditor", when=None,
           address="10.0.0.1", list_filter=None):
    details = {} if what is None else {"what": what}
    if list_filter is not None:
        details["list_filter"] = list_filter
    return SimpleNamespace(id=n, object_type=kind, object_id=key, details=details, user_email=user, role=role,
                           occurred_at=when or datetime(2026, 7, 1, 9, n, tzinfo=UTC), ip_address=address)


def test_each_kind_of_read_is_told_in_plain_words():
    case_audits = {"5": ("B1", "Reads")}
    programmes = {"3": "Re-referrals Q1"}
    told = lambda event: plain_words(event, "C1", programmes, case_audits)  # noqa: E731
    assert told(_event(1, kind="case_audit", key=5)) == "case audit: the case audit of child C1 (case B1) in programme Reads"
    assert told(_event(1, kind="case_audit", key=6)) == "case audit: case audit 6"  # an audit since deleted
    assert told(_event(1, kind="audit_programme", key=3, what="programme case list")) == \
        "programme case list: programme Re-referrals Q1"
    assert told(_event(1, kind="audit_programme", key=4, what="programme case list")) == "programme case list: programme 4"
    assert told(_event(1, kind="action", key=9, what="action")) == "action: action 9"
    assert told(_event(1, kind="measure_list", what="re-referral list")) == "re-referral list from the measures"
    assert told(_event(1, kind="child", key="C1", what="child's history")) == "child's history: child C1"
    assert told(_event(1, kind="import_batch", key=2, what="import warnings")) == "import warnings: import batch 2"
    assert told(_event(1, kind="import_batch", key=None, what="import warnings")) == "import warnings: import batch"
    # An action whose number is also a case audit's is told as the action it is.
    assert told(_event(1, kind="action", key=5, what="action")) == "action: action 5"
    assert told(_event(1, what="subject access export")) == "subject access export"
    assert told(_event(1, what=None)) == "a page"


def test_repeated_reads_of_one_thing_by_one_person_on_one_day_are_one_row(app):
    morning, nine, noon = (datetime(2026, 7, 1, hour, 0, tzinfo=UTC) for hour in (8, 9, 11))
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in UK summer time: the next day
    events = [_event(1, kind="action", key=9, what="action", when=noon, address="10.0.0.2"),
              _event(2, kind="action", key=9, what="action", when=morning),
              _event(3, kind="action", key=9, what="action", when=noon, address="10.0.0.1"),
              _event(4, kind="action", key=9, what="action", when=late),
              _event(5, kind="action", key=9, what="action", when=noon, user="b@x.test", role="team_manager"),
              _event(6, kind="action", key=8, what="action", when=nine),
              _event(7, kind="action", key=9, what="action", when=noon, user=None, role=None, address=None),
              _event(8, kind="action", key=7, what="action", when=nine, address=None),
              _event(9, kind="action", key=7, what="action", when=noon, address="10.0.0.3")]
    with app.app_context():
        groups = group_reads(events, "C1")
    rows = [(g.user, g.role, g.day.isoformat(), g.what, g.count, g.first, g.last, g.detail) for g in groups]
    assert rows == [
        ("a@x.test", "auditor", "2026-07-02", "action: action 9", 1, late, late, "10.0.0.1"),
        ("b@x.test", "team_manager", "2026-07-01", "action: action 9", 1, noon, noon, "10.0.0.1"),
        ("anonymous", "", "2026-07-01", "action: action 9", 1, noon, noon, ""),
        ("a@x.test", "auditor", "2026-07-01", "action: action 9", 3, morning, noon, "10.0.0.1, 10.0.0.2"),
        ("a@x.test", "auditor", "2026-07-01", "action: action 7", 2, nine, noon, "10.0.0.3"),
        ("a@x.test", "auditor", "2026-07-01", "action: action 8", 1, nine, nine, "10.0.0.1"),
    ]


def test_a_list_read_names_its_filter_in_words_and_its_programme_by_name(app, tmp_path):
    from audit_tools.sampling import SampleRequest
    from qa_app.services import programmes
    _load(app, tmp_path, [["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]])
    with app.app_context():
        programme = programmes.create_programme(name="Reads", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        shown = {"programme": programme.id, "page": 2}
        # Lists named only by their filter: the programme by name, every other value as it is.
        filtered_only = group_reads([
            _event(5, what="action list", list_filter={"programme": programme.id, "page": programme.id}),
            _event(6, what="action list", list_filter={"programme": 999, "due_before": "2026-08-01"},
                   when=datetime(2026, 7, 2, tzinfo=UTC))], "C1", filters=True)
        events = [_event(4, kind="audit_programme", key=str(programme.id), what="programme findings"),
                  _event(1, kind="audit_programme", key=str(programme.id), what="programme case list", list_filter=shown),
                  _event(2, kind="audit_programme", key=str(programme.id), what="programme case list",
                         list_filter={"programme": programme.id, "page": 3}),
                  _event(3, kind="measure_list", what="repeat plan list",
                         list_filter={"period": "2014-04-01..2014-06-30", "within_two_years": True,
                                      "previous_decision": "nfa"})]
        groups = group_reads(events, "C1", filters=True)
        # A programme's own page, read on its own, is named from the programme it opened.
        (alone,) = group_reads([events[0]], "C1")
    assert alone.what == "programme findings: programme Reads"
    told = {(g.what, g.count, g.detail) for g in groups}
    assert told == {
        ("programme findings: programme Reads", 1, ""),
        ("programme case list: programme Reads", 1, "programme: Reads; page: 2"),
        ("programme case list: programme Reads", 1, "programme: Reads; page: 3"),
        ("repeat plan list from the measures", 1,
         "period: 2014-04-01..2014-06-30; within two years: True; earlier decision: nfa"),
    }
    assert [g.detail for g in filtered_only] == ["programme: 999; due before: 2026-08-01",
                                                 f"programme: Reads; page: {programme.id}"]


def _read(child_ids=(), *, when, action="case_read", kind="case_audit", key="1", what="case audit", list_filter=None):
    from qa_app.extensions import db
    from qa_app.models import AuditEvent, AuditEventChild
    details = {"what": what, **({"list_filter": list_filter} if list_filter is not None else {})}
    event = AuditEvent(occurred_at=when, user_email="a@x.test", role="auditor", action=action,
                       object_type=kind, object_id=key, details=details)
    db.session.add(event)
    db.session.flush()
    db.session.add_all(AuditEventChild(event_id=event.id, child_id=child_id) for child_id in child_ids)
    db.session.commit()
    return event.id


def test_the_newest_reads_of_a_child_are_the_ones_shown_when_there_are_more_than_the_page_holds(app):
    from qa_app.services.case_reads import reads_of_child
    day = lambda d, h=9: datetime(2026, 7, d, h, tzinfo=UTC)  # noqa: E731
    with app.app_context():
        oldest = _read(["C1"], when=day(1))
        newest = _read(["C1"], when=day(9))
        tie_first, tie_second = _read(["C1"], when=day(5)), _read(["C1"], when=day(5))
        _read(["C2"], when=day(10))  # another child's
        _read(["C1", "C2"], when=day(2))
        shown = reads_of_child("C1", limit=3).direct
        assert [e.id for e in shown] == [newest, tie_second, tie_first]
        assert [e.id for e in reads_of_child("C1", limit=10).direct][-1] == oldest
        assert len(reads_of_child("C1", limit=10).direct) == 5


def test_a_programme_list_is_a_read_of_a_child_only_for_that_childs_programme(app, tmp_path):
    """The child's programme's list views are reads of the child; another programme's lists,
    and events about the programme that are not reads (its policy changed), are not."""
    from audit_tools.sampling import SampleRequest
    from qa_app.services import programmes
    from qa_app.services.case_reads import reads_of_child
    _load(app, tmp_path, [["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
                          ["C2", "A2", "2016-03-01", "nfa", "", "North"], ["C2", "B2", "2016-05-01", "nfa", "", "North"]])
    with app.app_context():
        made = {}
        for name, period in (("Q1", "Q1 2014/15"), ("Later", "Q1 2016/17")):
            programme = programmes.create_programme(name=name, theme="", questionnaire_id="re-referral-audit",
                                                    frame_kind="re-referrals", period_text=period)
            programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
            made[name] = str(programme.id)
        earlier = _read(kind="audit_programme", key=made["Q1"], what="programme case list",
                        when=datetime(2026, 6, 1, tzinfo=UTC))
        mine = _read(kind="audit_programme", key=made["Q1"], what="programme case list", when=datetime(2026, 7, 1, tzinfo=UTC))
        _read(kind="audit_programme", key=made["Later"], what="programme case list", when=datetime(2026, 7, 2, tzinfo=UTC))
        _read(action="programme_updated", kind="audit_programme", key=made["Q1"], what="policy",
              when=datetime(2026, 7, 3, tzinfo=UTC))
        assert [e.id for e in reads_of_child("C1").lists] == [mine, earlier]
        assert [e.id for e in reads_of_child("C1", limit=1).lists] == [mine]
        assert reads_of_child("C3").lists == []


def test_a_measures_list_is_a_read_of_a_child_whose_referral_or_plan_falls_in_its_period(app, tmp_path):
    from qa_app.services.case_reads import reads_of_child
    _load(app, tmp_path, [["C1", "R1", "2014-04-01", "nfa", "", "North"], ["C2", "R2", "2013-01-01", "nfa", "", "North"]],
          [["C2", "P2", "2015-06-30", "", "neglect", "North"]])
    when = datetime(2026, 7, 1, tzinfo=UTC)
    with app.app_context():
        lists = {period: _read(kind="measure_list", key=None, what="re-referral list", when=when,
                               list_filter={"period": period})
                 for period in ("2014-04-01..2014-06-30", "2014-03-01..2014-03-31", "2014-04-02..2014-06-30",
                                "2015-04-01..2015-06-30", "2015-04-01..2015-06-29", "not a period")}
        _read(kind="measure_list", key=None, what="repeat plan list", when=when, list_filter={})
        assert sorted(e.id for e in reads_of_child("C1").lists) == sorted(
            [lists["2014-04-01..2014-06-30"], lists["not a period"], max(lists.values()) + 1])
        # C2's plan starts on the last day of Q1 2015/16: a list of that quarter could show them.
        assert lists["2015-04-01..2015-06-30"] in [e.id for e in reads_of_child("C2").lists]
        assert lists["2015-04-01..2015-06-29"] not in [e.id for e in reads_of_child("C2").lists]


def test_a_read_names_who_read_even_outside_a_request(app):
    """A job or command reading for someone records that person, not nobody."""
    from qa_app.models import AuditEvent, Role
    from qa_app.services.case_reads import record_case_read
    from tests.helpers import make_user
    with app.app_context():
        reader = make_user(Role.QA_LEAD)
        record_case_read("subject access export", child_ids=["C1"], actor=reader)
        from qa_app.extensions import db
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_read")).one()
        assert (event.user_id, event.user_email) == (reader.id, reader.email)


def test_a_page_shown_again_while_the_database_is_busy_logs_its_read_to_the_application_log(app, caplog):
    """Writing to the trail would wait as long as the save did: the read goes to the log, naming
    what, who and which children, and the trail is left alone."""
    import logging

    from flask import g

    from qa_app.extensions import db
    from qa_app.models import AuditEvent, Role
    from qa_app.services.case_reads import record_case_read
    from tests.helpers import make_user
    with app.app_context():
        reader = make_user(Role.AUDITOR)
    with app.test_request_context("/audits/1/lead", method="POST"), caplog.at_level(logging.WARNING):
        g.database_busy = True
        record_case_read("case audit form", child_ids=["C2", "C1"], actor=reader)
        record_case_read("programme case list", list_filter={"programme": 4}, actor=reader)
    logged = [r.getMessage() for r in caplog.records if r.name == "qa_app.services.case_reads"]
    assert logged == [
        f"case read not written to the audit trail (database busy): case audit form, user {reader.id}, children ['C1', 'C2'], ",
        f"case read not written to the audit trail (database busy): programme case list, user {reader.id}, children [], "
        "{'programme': 4}"]
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="case_read")).all() == []


def test_the_page_holds_the_newest_500_reads_and_the_newest_lists(app, tmp_path):
    from qa_app.extensions import db
    from qa_app.models import AuditEvent, AuditEventChild
    from qa_app.services.case_reads import reads_of_child
    _load(app, tmp_path, [["C1", "R1", "2014-04-01", "nfa", "", "North"]])
    with app.app_context():
        first = datetime(2026, 1, 1, tzinfo=UTC)
        events = [AuditEvent(occurred_at=first.replace(day=1 + n % 28, hour=n % 24), action="case_read",
                             object_type="case_audit", object_id="1", details={"what": "case audit"})
                  for n in range(501)]
        db.session.add_all(events)
        db.session.flush()
        db.session.add_all(AuditEventChild(event_id=e.id, child_id="C1") for e in events)
        db.session.commit()
        assert len(reads_of_child("C1").direct) == 500
        # Measures lists in and out of the child's period: the newest that could show them first.
        older, newer = (_read(kind="measure_list", key=None, what="re-referral list", when=datetime(2026, 8, d, tzinfo=UTC),
                              list_filter={"period": "2014-04-01..2014-06-30"}) for d in (1, 3))
        _read(kind="measure_list", key=None, what="re-referral list", when=datetime(2026, 8, 2, tzinfo=UTC),
              list_filter={"period": "2016-04-01..2016-06-30"})
        assert [e.id for e in reads_of_child("C1").lists] == [newer, older]
        assert [e.id for e in reads_of_child("C1", limit=1).lists] == [newer]


def test_a_child_no_longer_in_the_data_whose_reads_remain_is_still_known(app):
    """Retention or a new load can remove a child's records; the reads of them stay, and the page
    lists them rather than say there is no such child."""
    from qa_app.services.case_reads import reads_of_child
    with app.app_context():
        _read(["C9"], when=datetime(2026, 7, 1, tzinfo=UTC))
        assert reads_of_child("C9").known is True
        assert reads_of_child("C8").known is False
