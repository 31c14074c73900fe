"""QA leads upload a new questionnaire version, preview it, and choose it for a new programme."""
import io
import time

from audit_tools.questionnaires import BUILT_IN
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, QuestionnaireVersion, Role
from tests.helpers import post_form

VERSION_2 = (BUILT_IN / "re-referral-audit.v1.yaml").read_text().replace("version: 1", "version: 2").replace(
    "title: Re-referral audit", "title: Re-referral audit (revised)")


def upload(client, text, name="re-referral-audit.v2.yaml"):
    return post_form(client, "/questionnaires/", {"file": (io.BytesIO(text.encode()), name)},
                     content_type="multipart/form-data")


def test_a_new_version_is_checked_previewed_and_chosen_while_old_programmes_keep_theirs(app, client, login_as):
    login_as(Role.QA_LEAD)
    old = post_form(client, "/programmes/new", {"name": "Old", "questionnaire_id": "re-referral-audit@1",
                                                 "frame_kind": "re-referrals", "period": "Q1 2014/15"})
    assert old.status_code == 302
    response = upload(client, VERSION_2)
    assert response.headers["Location"] == "/questionnaires/re-referral-audit/2"
    html = client.get("/questionnaires/re-referral-audit/2").get_data(as_text=True)
    assert "Re-referral audit (revised)" in html and "Was the earlier decision right on the threshold matrix" in html
    assert "Re-referral audit (revised) (version 2)" in client.get("/programmes/new").get_data(as_text=True)
    post_form(client, "/programmes/new", {"name": "New", "questionnaire_id": "re-referral-audit@2",
                                          "frame_kind": "re-referrals", "period": "Q1 2014/15"})
    with app.app_context():
        versions = dict(db.session.execute(db.select(AuditProgramme.name, AuditProgramme.questionnaire_version)).all())
        assert versions == {"Old": 1, "New": 2}
        assert db.session.scalars(db.select(AuditEvent.action).filter_by(action="questionnaire_uploaded")).one()


def test_a_broken_or_clashing_file_is_refused_with_its_path_and_problem(client, login_as):
    login_as(Role.QA_LEAD)
    html = upload(client, VERSION_2.replace("type: met", "type: yesno", 1)).get_data(as_text=True)
    assert "re-referral-audit.v2.yaml, at sections[0].questions[1].type: &#39;yesno&#39; is not one of" in html
    html = upload(client, VERSION_2.replace("version: 2", "version: 1")).get_data(as_text=True)
    assert "version 1 of &#39;re-referral-audit&#39; already exists" in html
    html = upload(client, "id: [unclosed").get_data(as_text=True)
    assert "not valid YAML" in html


def test_a_file_of_nested_aliases_is_refused_quickly_and_briefly(client, login_as):
    from tests.audit_tools.test_questionnaire_limits import BILLION_LAUGHS
    login_as(Role.QA_LEAD)
    started = time.perf_counter()
    response = upload(client, BILLION_LAUGHS)
    assert time.perf_counter() - started < 2
    html = response.get_data(as_text=True)
    assert "anchors and aliases (&amp; and *) are not allowed" in html and len(html) < 30_000


def test_a_stored_version_that_fails_todays_checks_is_not_offered_and_breaks_nothing(app, client, login_as):
    with app.app_context():
        db.session.add(QuestionnaireVersion(questionnaire_id="re-referral-audit", version=7, title="Old bad",
                                            source=VERSION_2.replace("version: 2", "version: 7").replace(
                                                "prefill: previous_referral.decision", "prefill: [a, b]")))
        db.session.commit()
    login_as(Role.QA_LEAD)
    html = client.get("/programmes/new").get_data(as_text=True)
    assert "version 7" not in html and "(version 1)" in html
