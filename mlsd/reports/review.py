"""What to practise next: spaced repetition over the concepts you missed.

Each rubric concept of a case step is a flash card. Every time you answer
that step, the concept is reviewed: shown in your answer counts as "Good",
missed (or the step skipped) as "Again". The FSRS scheduler (py-fsrs, the
reference implementation of the Free Spaced Repetition Scheduler) turns that
history into a memory stability and a due date:

- a miss schedules the concept again within a day or two, and every further
  miss lowers its stability, so concepts missed often come back sooner;
- a concept shown again and again drifts out to weeks, then months.

Only concepts you have missed at least once are candidates. The queue is
rebuilt from the stored answers every time (nothing else is stored), with
learning steps off (intervals are whole days) and no fuzz, so the same
history and the same `now` always give the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from mlsd.reports.progress import StepAttempt

if TYPE_CHECKING:
    from mlsd.drills.estimate_log import EstimateAttempt

MAX_STEPS = 2  # steps in one drill: a short session
ESTIMATE_PREFIX = "estimate:"  # review items for estimation questions: "estimate:<question id>"


@dataclass
class ReviewItem:
    case_id: str
    step: str
    concept_id: str
    label: str
    misses: int
    reviews: int
    last_missed: datetime
    last_review: datetime
    due: datetime
    retrievability: float  # FSRS's estimate that you would show it now, in [0, 1]

    def is_due(self, now: datetime) -> bool:
        return self.due <= now

    @property
    def estimate_id(self) -> str | None:
        """The estimation question this item is for, or None for a rubric concept."""
        return self.concept_id[len(ESTIMATE_PREFIX):] if self.concept_id.startswith(ESTIMATE_PREFIX) else None


@dataclass
class DrillPlan:
    case_id: str
    step_ids: list[str]  # most urgent first
    items: list[ReviewItem]  # the concepts the drill is for, most urgent first
    ahead: bool  # True when nothing was due and the soonest concepts were taken


def _scheduler():
    from fsrs import Scheduler

    return Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def review_queue(attempts: list[StepAttempt], now: datetime, labels: dict[tuple[str, str, str], str] | None = None,
                 ) -> list[ReviewItem]:
    """Every concept missed at least once, most urgent first.

    Due concepts come first, the least likely to be recalled now (lowest
    retrievability) at the top, ties broken by more misses; then the rest by
    due date. `labels` maps (case, step, concept) to a readable name.
    """
    from fsrs import Card, Rating

    scheduler = _scheduler()
    labels = labels or {}
    cards: dict[tuple[str, str, str], Card] = {}
    counts: dict[tuple[str, str, str], list] = {}  # misses, reviews, last missed
    for attempt in sorted(attempts, key=lambda a: (a.at, a.session_id)):
        when = utc(attempt.at)
        outcomes = [(c, Rating.Good) for c in attempt.hits] + [(c, Rating.Again) for c in attempt.missed]
        for concept_id, rating in outcomes:
            key = (attempt.case_id, attempt.step, concept_id)
            if key not in cards:
                cards[key] = Card(card_id=len(cards) + 1, due=when)
                counts[key] = [0, 0, None]
            cards[key], _ = scheduler.review_card(cards[key], rating, review_datetime=when)
            counts[key][1] += 1
            if rating == Rating.Again:
                counts[key][0] += 1
                counts[key][2] = when
    items = []
    for key, card in cards.items():
        misses, reviews, last_missed = counts[key]
        if not misses:
            continue
        items.append(ReviewItem(key[0], key[1], key[2], labels.get(key, key[2]), misses, reviews, last_missed,
                                card.last_review, card.due, scheduler.get_card_retrievability(card, now)))

    def urgency(item: ReviewItem) -> tuple:
        first = (0, item.retrievability) if item.is_due(now) else (1, item.due.timestamp())
        return (*first, -item.misses, item.case_id, item.step, item.concept_id)

    items.sort(key=urgency)
    return items


def estimate_queue(log: list["EstimateAttempt"], now: datetime,
                   labels: dict[tuple[str, str, str], str] | None = None) -> list[ReviewItem]:
    """Estimation questions answered wrong at least once, scheduled like concepts (right is
    "Good", off or in the wrong unit is "Again"), most urgent first. Each item's concept_id is
    "estimate:<question id>"; `labels` maps (case, step, that id) to a readable name."""
    converted = []
    for attempt in log:
        key = (ESTIMATE_PREFIX + attempt.estimate_id,)
        converted.append(StepAttempt(0, attempt.case_id, "estimate", "", attempt.step, "estimate",
                                     1.0 if attempt.correct else 0.0, attempt.at,
                                     key if attempt.correct else (), () if attempt.correct else key))
    return review_queue(converted, now, labels)


def plan_drill(queue: list[ReviewItem], now: datetime, *, case_id: str | None = None, max_steps: int = MAX_STEPS,
               ahead: bool = False) -> DrillPlan | None:
    """The next drill: the case of the most urgent due concept and up to `max_steps` of its steps.

    None when nothing is due (or, with `ahead`, when nothing was ever missed).
    With `ahead`, the soonest concepts are drilled even if not yet due.
    """
    candidates = [i for i in queue if case_id is None or i.case_id == case_id]
    due = [i for i in candidates if i.is_due(now)]
    chosen = due or (candidates if ahead else [])
    if not chosen:
        return None
    case = chosen[0].case_id
    steps: list[str] = []
    for item in chosen:
        if item.case_id == case and item.step not in steps and len(steps) < max_steps:
            steps.append(item.step)
    items = [i for i in chosen if i.case_id == case and i.step in steps]
    return DrillPlan(case, steps, items, ahead=not due)


def next_due(queue: list[ReviewItem], case_id: str | None = None) -> datetime | None:
    dates = [i.due for i in queue if case_id is None or i.case_id == case_id]
    return min(dates) if dates else None


def describe_due(due: datetime, now: datetime) -> str:
    """'due now', 'overdue 3 days', 'in 2 days', 'in 5 hours'."""
    delta = due - now
    if abs(delta) < timedelta(hours=1):
        return "due now"
    days = abs(delta).days
    if delta < timedelta(0):
        return "overdue " + (f"{days} day{'s' if days != 1 else ''}" if days else "today")
    if days:
        return f"in {days} day{'s' if days != 1 else ''}"
    hours = max(1, int(delta.total_seconds() // 3600))
    return f"in {hours} hour{'s' if hours != 1 else ''}"
