"""Questionnaires available to programmes: the built-in files, and versions QA leads upload."""
from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from audit_tools.questionnaires import Questionnaire, QuestionnaireError, built_in, parse_questionnaire
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import QuestionnaireVersion
from qa_app.services.audit_trail import record_event

MAX_SOURCE = 200_000


@lru_cache(maxsize=1)
def _built_in() -> dict:
    return built_in()


@lru_cache(maxsize=256)
def _parse(source: str, name: str) -> Questionnaire:
    return parse_questionnaire(source, name)


def available() -> dict[tuple[str, int], Questionnaire]:
    found = dict(_built_in())
    for row in db.session.scalars(select(QuestionnaireVersion)):
        try:
            found[(row.questionnaire_id, row.version)] = _parse(row.source, f"{row.questionnaire_id}.v{row.version}.yaml")
        except QuestionnaireError as error:
            # Stored before today's checks and refused by them: not offered for new programmes.
            current_app.logger.warning("Stored questionnaire %s v%s fails its checks: %s",
                                       row.questionnaire_id, row.version, error)
    return dict(sorted(found.items()))


def get(questionnaire_id: str, version: int) -> Questionnaire:
    if (questionnaire_id, version) in _built_in():
        return _built_in()[(questionnaire_id, version)]
    row = db.session.scalars(select(QuestionnaireVersion).filter_by(questionnaire_id=questionnaire_id,
                                                                     version=version)).first()
    if row is None:
        raise KeyError(f"No questionnaire {questionnaire_id} version {version}")
    return _parse(row.source, f"{questionnaire_id}.v{version}.yaml")


def latest_version(questionnaire_id: str) -> int | None:
    versions = [v for (qid, v) in available() if qid == questionnaire_id]
    return max(versions) if versions else None


def is_built_in(questionnaire_id: str, version: int) -> bool:
    return (questionnaire_id, version) in _built_in()


def upload(content: bytes, file_name: str, user=None) -> Questionnaire:
    """Check and store a new version. Raises QuestionnaireError naming the file, path and problem."""
    if len(content) > MAX_SOURCE:
        raise QuestionnaireError(file_name, "the file", f"expected {MAX_SOURCE:,} bytes or fewer")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QuestionnaireError(file_name, "the file", "expected UTF-8 text") from None
    try:
        questionnaire = parse_questionnaire(text, file_name)
        if (questionnaire.id, questionnaire.version) in available():
            raise QuestionnaireError(file_name, "version", f"version {questionnaire.version} of "
                                     f"'{questionnaire.id}' already exists; give the new one a higher version")
    except QuestionnaireError as error:
        with write_transaction():
            record_event("questionnaire_refused", actor=user, outcome="failure", object_type="questionnaire",
                         details={"file": file_name[:200], "path": error.path, "problem": error.problem[:300]})
        raise
    with write_transaction():
        db.session.add(QuestionnaireVersion(questionnaire_id=questionnaire.id, version=questionnaire.version,
                                            title=questionnaire.title, source=text,
                                            uploaded_by_id=user.id if user else None))
        record_event("questionnaire_uploaded", actor=user, object_type="questionnaire",
                     object_id=f"{questionnaire.id}@{questionnaire.version}", details={"file": file_name[:200]})
    return questionnaire
