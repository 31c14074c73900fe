"""What the admin's users page says about how each person signs in."""
from sqlalchemy import select

from qa_app.extensions import db
from qa_app.models import IdentityLink


def sign_in_methods() -> dict[int, str]:
    """"Single sign-on (<provider>)" for each user linked to a provider; others use a password."""
    methods = {}
    for user_id, provider in db.session.execute(select(IdentityLink.user_id, IdentityLink.provider)
                                                .order_by(IdentityLink.id)):
        methods[user_id] = f"Single sign-on ({provider})" if user_id not in methods else \
            methods[user_id][:-1] + f", {provider})"
    return methods
