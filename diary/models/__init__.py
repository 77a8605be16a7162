"""Database models; every diary row belongs to exactly one user."""

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
    "DoseChange",
    "LoginSession",
    "MedicationDose",
    "PreventiveDose",
    "PreventiveRegimen",
    "PromptDismissal",
    "QuestionnaireAnswer",
    "Reading",
    "Reminder",
    "ShareLink",
    "SideEffectReport",
    "Treatment",
    "TreatmentMedicine",
    "User",
]
