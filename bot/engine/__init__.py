"""The decision guide as a pure, synchronous engine.

It takes a session and an event and returns the new session and a transport-neutral view.
Nothing here imports Telegram, YAML or storage (tests/test_architecture.py enforces it).
"""

from bot.engine.guide import Guide, InvalidMove, Turn
from bot.engine.model import Catalog, Flow
from bot.engine.session import Session
from bot.engine.views import (
    Action,
    Answer,
    Back,
    ChangeAnswer,
    ChangeView,
    Choice,
    DetailView,
    Draft,
    Event,
    GiveDetail,
    Plan,
    Proceed,
    QuestionView,
    RecommendView,
    Restart,
    ResultView,
    Revise,
    SkipDetail,
    View,
)

__all__ = [
    "Action",
    "Answer",
    "Back",
    "Catalog",
    "ChangeAnswer",
    "ChangeView",
    "Choice",
    "DetailView",
    "Draft",
    "Event",
    "Flow",
    "GiveDetail",
    "Guide",
    "InvalidMove",
    "Plan",
    "Proceed",
    "QuestionView",
    "RecommendView",
    "Restart",
    "ResultView",
    "Revise",
    "Session",
    "SkipDetail",
    "Turn",
    "View",
]
