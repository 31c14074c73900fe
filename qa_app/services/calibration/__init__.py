"""Calibration exercises (issue 26): auditors grade one case apart, against reference answers.
`exercises` sets up and runs an exercise; `report` says what it found and who may read it."""
from qa_app.services.calibration.exercises import (CalibrationRefused, answer_sections, attachment_download, close,
                                                   counts, create_case_study, create_from_audit, exercise_for,
                                                   exercises_for, graded_questions, invitable_auditors, invite,
                                                   moderated_audits, new_round, participant_of, questionnaire_choices,
                                                   questionnaire_of, save_answers, update_draft)
from qa_app.services.calibration.report import ReportView, export_report, report_for, rounds_of

__all__ = ["CalibrationRefused", "ReportView", "answer_sections", "attachment_download", "close", "counts",
           "create_case_study", "create_from_audit", "exercise_for", "exercises_for", "export_report",
           "graded_questions", "invitable_auditors", "invite", "moderated_audits", "new_round", "participant_of",
           "questionnaire_choices", "questionnaire_of", "report_for", "rounds_of", "save_answers", "update_draft"]
