"""One frame path: the sample command, the sample command with --programme and the programme page
draw the same cases, in the same order, for every field a sample can be stratified by."""
import json
from datetime import date, timedelta

import pytest

from audit_tools.sampling import FRAMES, STRATIFY_FIELDS
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Child, Role
from qa_app.services import programmes
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import post_form

START, END = "2014-04-01", "2014-06-30"
# Category only exists on plans; the other fields are read from a re-referral frame.
FRAME_FOR_FIELD = {"category": "plans-ended"}


@pytest.fixture
def varied_case_data(app, tmp_path):
    """60 re-referred children across teams and decisions, 30 CP plans ended in the period across
    categories, and birth dates spread over every age band (a few children have none)."""
    referrals, plans = [], []
    for i in range(60):
        team = ("North", "South", "Compass")[i % 3]
        previous = ("nfa", "professional_conversation")[i % 2]
        decision = ("assessment", "nfa", "early_help")[i % 3]
        referrals.append([f"C{i:03d}", f"A{i:03d}", "2014-03-01", previous, "", team])
        referrals.append([f"C{i:03d}", f"B{i:03d}", (date(2014, 4, 2) + timedelta(days=i)).isoformat(),
                          decision, "", team])
    for i in range(30):
        category = ("NEG", "PHY", "EMO")[i % 3]
        plans.append([f"C{i:03d}", f"P{i:03d}", "2013-06-01",
                      (date(2014, 4, 3) + timedelta(days=i)).isoformat(), category, "North"])
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, referrals))
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, plans))
        for i, child in enumerate(db.session.scalars(db.select(Child).order_by(Child.child_id))):
            child.date_of_birth = None if i % 10 == 9 else date(2014 - (i * 7) % 18, 1 + i % 12, 1)
        db.session.commit()


def sample_args(frame, field):
    return ["sample", "--frame", frame, "--start", START, "--end", END, "--size", "9", "--stratify", field,
            "--seed", "2718", "--exclude-audited-months", "0", "--json"]


@pytest.mark.parametrize("field", sorted(STRATIFY_FIELDS))
def test_every_stratify_field_draws_the_same_cases_from_the_command_the_programme_and_the_page(
        app, client, login_as, varied_case_data, field):
    frame = FRAME_FOR_FIELD.get(field, "re-referrals")
    runner = app.test_cli_runner()
    plain = runner.invoke(args=sample_args(frame, field))
    assert plain.exit_code == 0, plain.output
    saved = runner.invoke(args=sample_args(frame, field) + ["--programme", "From the command"])
    assert saved.exit_code == 0, saved.output

    login_as(Role.QA_LEAD)
    with app.app_context():
        questionnaire = db.session.scalars(db.select(AuditProgramme.questionnaire_id)).one()
        programme = programmes.create_programme(name="From the page", theme="", questionnaire_id=questionnaire,
                                                frame_kind=frame, period_text=f"{START}..{END}")
    response = post_form(client, f"/programmes/{programme.id}/draw", {
        "method": "stratified", "size": "9", "stratify_by": field, "minimum_per_stratum": "0",
        "exclude_audited_months": "0", "seed": "2718"})
    assert response.status_code == 302
    with app.app_context():
        page = db.session.get(AuditProgramme, programme.id).sample

    plain, saved = json.loads(plain.output), json.loads(saved.output)
    assert plain["frame_hash"] == saved["frame_hash"] == page.frame_hash
    assert plain["ids"] == saved["ids"] == page.drawn_ids
    # The field really splits this frame, so a path that lost it would draw differently.
    assert len(page.allocation) > 1


@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_the_sample_command_accepts_every_frame_the_pages_offer(app, varied_case_data, frame):
    result = app.test_cli_runner().invoke(args=["sample", "--frame", frame, "--start", START, "--end", END,
                                                "--census", "--json"])
    assert "Invalid value for '--frame'" not in result.output
    if frame in ("re-referrals", "referrals", "plans-ended"):
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["frame_size"] > 0
