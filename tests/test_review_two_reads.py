"""Second security review: the data-quality lists and the import page's warnings name children,
so viewing them is recorded as a read of those children, as every other case-level page is."""
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditEventChild, Role
from qa_app.services.case_reads import reads_of_child
from tests.case_data_helpers import import_file
from tests.test_data_quality_pages import _quality_workbook


def _reads(app, what):
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="case_read")).all()
        events = [e for e in events if e.details.get("what") == what]
        named = {event.id: sorted(db.session.scalars(db.select(AuditEventChild.child_id)
                                                     .filter_by(event_id=event.id))) for event in events}
    return events, named


def test_a_data_quality_list_records_a_read_of_each_child_it_shows(app, client, login_as, tmp_path):
    with app.app_context():
        import_file("annex-a", _quality_workbook(tmp_path / "quality.xlsx"))
    user = login_as(Role.QA_LEAD)
    assert client.get("/measures/data-quality/no_birth_date").status_code == 200
    events, named = _reads(app, "data-quality list")
    assert len(events) == 1 and events[0].user_id == user.id
    assert named[events[0].id] == ["N1", "N2", "N3"]
    with app.app_context():
        assert [e.id for e in reads_of_child("N2").direct] == [events[0].id]


def test_an_import_page_with_warnings_records_a_read_of_the_children_they_name(app, client, login_as, tmp_path):
    with app.app_context():
        batch = import_file("annex-a", _quality_workbook(tmp_path / "quality.xlsx"))
        batch_id = batch.id
    login_as(Role.QA_LEAD)
    assert client.get(f"/data/imports/{batch_id}").status_code == 200
    events, named = _reads(app, "import warnings")
    assert len(events) == 1 and events[0].object_id == str(batch_id)
    assert {"N1", "N2", "N3", "B1", "A1", "P1"} <= set(named[events[0].id])
