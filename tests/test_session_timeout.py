"""Issue 24, timeouts (WCAG 2.2.1): a warning before the idle timeout with "Stay signed in", and
every form that takes typed text survives signing in again: the post is kept through sign-in."""
import re

import pytest

from qa_app import security
from qa_app.extensions import db
from qa_app.models import Action
from tests.helpers import PASSWORD, csrf_token_from, post_form
from qa_app.services import actions
from tests.test_refused_forms_keep_typing import SOON, TYPED, _as, _walks, world  # noqa: F401 (fixture)


def test_a_signed_in_page_carries_the_timeout_warning_and_the_sign_in_page_does_not(app, client, world):
    html = _as(app, world["qa"]).get("/").get_data(as_text=True)
    dialog = re.search(r'<dialog[^>]*class="[^"]*app-timeout-warning[^"]*"[^>]*>', html)
    assert dialog and 'data-idle-seconds="1800"' in dialog.group(0) and 'data-warn-seconds="120"' in dialog.group(0)
    assert "Stay signed in" in html and "session-timeout.js" in html
    assert "app-timeout-warning" not in client.get("/sign-in").get_data(as_text=True)


def test_stay_signed_in_keeps_the_session_alive(app, world, monkeypatch):
    client = _as(app, world["qa"])
    start = security._now_timestamp()
    monkeypatch.setattr(security, "_now_timestamp", lambda: start + 29 * 60)
    assert post_form(client, "/session/stay-signed-in").status_code == 204
    monkeypatch.setattr(security, "_now_timestamp", lambda: start + 58 * 60)
    assert client.get("/").status_code == 200  # 29 minutes after "stay signed in", not 58 idle
    monkeypatch.setattr(security, "_now_timestamp", lambda: start + 90 * 60)
    assert client.get("/").status_code == 302  # idle past 30 minutes: signed out


@pytest.mark.parametrize("endpoint", ["actions.record_progress", "moderation.moderate", "moderation.acknowledge",
                                      "audits.raise_concern", "actions.raise_action", "actions.change_status",
                                      "programmes.add_case", "programmes.remove_case", "moderation.reopen"])
def test_typed_text_posted_after_the_session_ended_is_kept_through_signing_in_again(app, world, monkeypatch,
                                                                                       endpoint):
    walks = {**_walks(world), "actions.record_progress": (
        "manager", f"/actions/{world['action']}/progress", {"version": "2", "note": TYPED})}
    who, url, data = walks[endpoint]
    client = _as(app, world[who])
    form_page = client.get("/").get_data(as_text=True)
    later = security._now_timestamp() + 45 * 60
    monkeypatch.setattr(security, "_now_timestamp", lambda: later)
    ended = client.post(url, data={"csrf_token": csrf_token_from(form_page), **data})
    html = ended.get_data(as_text=True)
    assert ended.status_code == 401 and "Sign in again" in html and TYPED in html, f"{endpoint}: typing lost"
    resumed = client.post("/sign-in/resume", data={
        "csrf_token": csrf_token_from(html), "target": url, "email": world[who].email, "password": PASSWORD,
        **data})
    html = resumed.get_data(as_text=True)
    assert resumed.status_code == 200 and TYPED in html
    assert re.search(r'<form method="post" action="' + re.escape(url) + '"', html)


def test_a_progress_note_typed_before_the_timeout_is_saved_after_signing_in_again(app, world, monkeypatch):
    manager = world["manager"]
    with app.app_context():
        action = actions.raise_action(world["programme"], None, actions.NewAction(
            "Supervise the threshold decisions", "Threshold not applied", SOON, team="North"), world["qa"])
    client = _as(app, manager)
    url = f"/actions/{action.id}/progress"
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    later = security._now_timestamp() + 45 * 60
    monkeypatch.setattr(security, "_now_timestamp", lambda: later)
    typed = {"version": version, "note": TYPED}
    html = client.post(url, data={"csrf_token": csrf_token_from(page), **typed}).get_data(as_text=True)
    html = client.post("/sign-in/resume", data={"csrf_token": csrf_token_from(html), "target": url,
                                                "email": manager.email, "password": PASSWORD,
                                                **typed}).get_data(as_text=True)
    sent = {k: v for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)}
    button = re.search(r'<button type="submit"([^>]*)>', html).group(1)
    if 'name="' in button:
        sent[re.search(r'name="([^"]+)"', button).group(1)] = re.search(r'value="([^"]*)"', button).group(1)
    assert client.post(url, data=sent).status_code == 302
    with app.app_context():
        assert TYPED in [u.text for u in db.session.get(Action, action.id).updates]
