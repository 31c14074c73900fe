"""Second security review: id-like query parameters too big for the database, and an error page
that must answer even when building it fails."""
import pytest

from qa_app.models import Role

HUGE = [str(2 ** 31), str(2 ** 63), "9" * 30, "-5", "12abc"]


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_or_odd_programme_filter_on_the_actions_list_is_ignored_not_a_fault(client, login_as, number):
    login_as(Role.QA_LEAD)
    response = client.get(f"/actions/?programme={number}")
    assert response.status_code == 200
    assert "Sorry, there is a problem" not in response.get_data(as_text=True)


def test_the_error_page_answers_even_when_its_own_page_cannot_be_built(app, client, login_as, monkeypatch):
    login_as(Role.QA_LEAD)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away mid-request")
    monkeypatch.setattr("qa_app.services.action_lists.actions_for", broken)
    monkeypatch.setattr("qa_app.errors.render_template", broken)
    response = client.get("/actions/")
    assert response.status_code == 500
    assert "problem with the service" in response.get_data(as_text=True)
