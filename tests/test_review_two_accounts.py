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
