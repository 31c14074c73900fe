"""Models in the domain's words, split by area. Import from here."""
from qa_app.models.base import IllegalTransition
from qa_app.models.actions import (OUTSTANDING, TRANSITIONS, Action, ActionPriority, ActionReminder,
                                   ActionStatus, ActionUpdate)
from qa_app.models.audit_event import AuditEvent, AuditEventChild
from qa_app.models.case_data import Benchmark, Child, ChildPopulation, CPPlan, Referral
from qa_app.models.identity import IdentityLink, RecoveryCode, SecondFactor
from qa_app.models.imports import (ImportBatch, ImportKind, ImportStatus, StagedChild, StagedPlan,
                                   StagedReferral)
from qa_app.models.jobs import Job, JobStatus, WorkerHeartbeat
from qa_app.models.measures import MeasuresCache
from qa_app.models.moderation import Moderation, ModerationOutcome, SafeguardingConcern
from qa_app.models.questionnaire import QuestionnaireVersion
from qa_app.models.retention import LegalHold
from qa_app.models.targets import MeasureTarget, PartnershipSetting
from qa_app.models.programmes import (CASE_AUDIT_TRANSITIONS, FINISHED, NOT_STARTED, PROGRAMME_TRANSITIONS,
                                      AuditProgramme, CaseAudit, CaseAuditAuthor, CaseAuditSection, CaseAuditStatus,
                                      ProgrammeStatus, Sample, SampleChange, SampleChangeKind)
from qa_app.models.user import Agency, Role, SignInFailure, Team, User, UserRole, UserSession, user_team
# Issue 26: calibration exercises.
from qa_app.models.calibration import (CalibrationAttachment, CalibrationExercise, CalibrationParticipant,
                                       ExerciseSource, ExerciseStatus)
# Queries on a question (issue 26)
from qa_app.models.queries import AnswerQuery, AnswerQueryMessage, MessageKind, QueryStatus

__all__ = ["Action", "ActionPriority", "ActionReminder", "ActionStatus", "ActionUpdate", "OUTSTANDING",
           "TRANSITIONS", "Job", "JobStatus", "LegalHold", "QuestionnaireVersion", "Moderation", "ModerationOutcome", "SafeguardingConcern",
           "CASE_AUDIT_TRANSITIONS", "FINISHED", "NOT_STARTED", "PROGRAMME_TRANSITIONS", "IllegalTransition", "AuditProgramme", "CaseAudit", "CaseAuditAuthor", "CaseAuditSection", "CaseAuditStatus",
           "ProgrammeStatus", "Sample", "SampleChange", "SampleChangeKind",
           "Agency", "AuditEvent", "AuditEventChild", "Benchmark", "Child", "ChildPopulation", "CPPlan", "ImportBatch",
           "ImportKind", "ImportStatus", "MeasuresCache", "MeasureTarget", "PartnershipSetting", "Referral", "Role",
           "StagedChild", "StagedPlan", "StagedReferral", "SignInFailure", "IdentityLink", "RecoveryCode",
           "SecondFactor", "Team", "User", "UserRole", "UserSession", "WorkerHeartbeat", "user_team",
           # Issue 26
           "CalibrationAttachment", "CalibrationExercise", "CalibrationParticipant", "ExerciseSource",
           "ExerciseStatus"]

# Families' feedback on the audit of their case (issue 25).
from qa_app.models.families import FamilyConsent, FamilyFeedback, FamilyInvitation  # noqa: E402

__all__ += ["FamilyConsent", "FamilyFeedback", "FamilyInvitation"]
# Practitioners taking part in the audit of their case (issue 25).
from qa_app.models.practitioners import LearningAddendum, PractitionerReview, PractitionerTakesPart  # noqa: E402

__all__ += ["LearningAddendum", "PractitionerReview", "PractitionerTakesPart"]
__all__ += ["AnswerQuery", "AnswerQueryMessage", "MessageKind", "QueryStatus"]  # issue 26
