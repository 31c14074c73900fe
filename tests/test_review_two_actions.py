"""Second security review: a form posted without the version it was opened at is a conflict."""
from qa_app.extensions import db
from qa_app.models import Action, ActionUpdate
from tests.test_actions import audited, raise_for, signed_in  # noqa: F401  (fixture)
from tests.helpers import post_form


def test_a_status_change_or_progress_note_without_a_version_is_a_conflict_not_saved(app, audited):
    programme_id, cases, people = audited
    with app.app_context():
        action = raise_for(programme_id, cases["B1"], people["qa"], owner_id=people["compass"].id)
    manager = signed_in(app, people["compass"])
    status = post_form(manager, f"/actions/{action.id}/status", {"to_status": "done"})
    note = post_form(manager, f"/actions/{action.id}/progress", {"note": "Training booked"})
    assert status.status_code == 409 and note.status_code == 409
    assert "Someone else changed this action" in note.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Action, action.id).status == "open"
        assert db.session.scalar(db.select(db.func.count(ActionUpdate.id))
                                 .filter_by(action_id=action.id, kind="note")) == 0
