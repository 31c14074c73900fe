"""Second security review: look-alike email addresses, weak passwords, and the lockout race."""
import pytest

from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.services import accounts
from tests.helpers import PASSWORD, make_user, sign_in


@pytest.mark.parametrize("email, problem", [
    ("\uff41dmin@council.example", "already exists"),  # fullwidth a: the same address once normalised
    ("ADMIN@Council.Example", "already exists"),
    ("admin\u200b@council.example", "correct format"),  # zero-width space
    ("admin@council.example\x00", "correct format"),
    ("ad\u202emin@council.example", "correct format"),  # right-to-left override
])
def test_look_alike_email_addresses_are_refused(app, email, problem):
    with app.app_context():
        make_user(Role.ADMIN, email="admin@council.example")
        with pytest.raises(accounts.AccountError, match=problem):
            make_user(Role.AUDITOR, email=email)
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_signing_in_reads_the_email_the_same_way(app, client):
    with app.app_context():
        make_user(Role.AUDITOR, email="alex@council.example")
    assert sign_in(client, "\uff21LEX@council.example").status_code == 302
    client.post("/sign-out")


def test_a_sign_in_with_a_control_character_in_the_email_is_an_ordinary_failure(app, client):
    with app.app_context():
        make_user(Role.AUDITOR, email="alex@council.example")
    response = sign_in(client, "nobody@council.example\x00", password="wrong password here")
    assert response.status_code == 200
    assert "Enter the correct email address and password" in response.get_data(as_text=True)


@pytest.mark.parametrize("password, problem", [
    ("casefile-demo-2026", "about this service"),
    ("Casefile QA 2026!", "about this service"),
    ("alex.morgan@council.example", "your name or email"),
    ("AlexMorgan1234", "your name or email"),
    ("council2026alex", "your name or email"),
    ("abababababab", "too few different characters"),
    ("            ", "too few different characters"),
    (" \t \t \t \t \t \t", "too few different characters"),
])
def test_weak_passwords_are_refused_when_an_admin_sets_them_or_a_user_chooses_them(app, password, problem):
    with app.app_context():
        admin = make_user(Role.ADMIN)
        with pytest.raises(accounts.AccountError, match=problem):
            make_user(Role.AUDITOR, email="alex.morgan@council.example", name="Alex Morgan", password=password)
        person = make_user(Role.AUDITOR, email="alex.morgan@council.example", name="Alex Morgan")
        with pytest.raises(accounts.AccountError, match=problem):
            accounts.set_one_time_password(person.id, password, set_by=admin)
        with pytest.raises(accounts.AccountError, match=problem):
            accounts.change_password(person, PASSWORD, password)


def test_a_password_that_merely_contains_a_name_is_accepted(app):
    with app.app_context():
        user = make_user(Role.AUDITOR, email="alex.morgan@council.example", name="Alex Morgan",
                         password="alex likes quiet harbour walks")
        assert user.id is not None
