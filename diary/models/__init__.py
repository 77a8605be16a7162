"""Database models; every diary row belongs to exactly one user."""

from diary.models.attack import Attack, AttackTrigger, DayMark, OwnTrigger
from diary.models.check_in import CheckIn, PushSubscription, VapidKey
from diary.models.claim import Claim
from diary.models.preventive import PreventiveDose, PreventiveRegimen
from diary.models.questionnaire import PromptDismissal, QuestionnaireAnswer
from diary.models.reading import Reading
from diary.models.reminder import Reminder
from diary.models.share import ShareLink
from diary.models.symptoms import MedicationDose, SideEffectReport
from diary.models.token import ApiToken
from diary.models.treatment import DoseChange, Treatment, TreatmentMedicine
from diary.models.user import LoginSession, User

__all__ = [
    "ApiToken",
    "Attack",
    "AttackTrigger",
    "CheckIn",
    "Claim",
    "DayMark",
    "DoseChange",
    "LoginSession",
    "MedicationDose",
    "OwnTrigger",
    "PreventiveDose",
    "PreventiveRegimen",
    "PromptDismissal",
    "PushSubscription",
    "QuestionnaireAnswer",
    "Reading",
    "Reminder",
    "ShareLink",
    "SideEffectReport",
    "Treatment",
    "TreatmentMedicine",
    "User",
    "VapidKey",
]
