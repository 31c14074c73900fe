"""Second security review: the database and its backups hold no session token a cookie could
be made from, only a hash of each; signing out still ends every session."""
from sqlalchemy import inspect, text

from qa_app.extensions import db
from qa_app.models import Role
from tests.helpers import csrf_token, make_user, sign_in


def _all_text_in_the_database(app) -> str:
    with app.app_context():
        connection = db.session.connection()
        found = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                found.extend(str(value) for value in row)
        db.session.remove()
    return "\n".join(found)


def _session_token(client) -> str:
    with client.session_transaction() as cookie_session:
        return cookie_session["_user_id"].partition(".")[2]


def test_the_database_holds_no_session_token_only_a_hash_that_still_signs_in(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    assert sign_in(client, user.email).status_code == 302
    token = _session_token(client)
    assert len(token) >= 24
    assert token not in _all_text_in_the_database(app)
    assert client.get("/").status_code == 200  # the cookie still works


def test_two_devices_stay_signed_in_and_signing_out_ends_both(app):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    assert laptop.get("/").status_code == 200 and phone.get("/").status_code == 200
    laptop.post("/sign-out", data={"csrf_token": csrf_token(laptop)})
    assert phone.get("/").status_code == 302

