"""The five measures (五及), read from what Linli records and reduced to aggregates.

A ``Report`` holds numbers only — counts, durations, shares, and the names of the admins'
buildings that at least three different people reported (``hotspots.py``) — never a person, a
request's or a report's text or place, or who reported what. It is plain data: the outbox
carries it as JSON and the picture and the CSV are drawn from it in the reader's language.

Durations are measured in Python over the period's rows (a handful of columns, streamed), so
the SQL is the same on SQLite and PostgreSQL; medians and 90th percentiles interpolate
linearly between the two nearest values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from db import disputes as dp
from db.dispute_models import DisputeCase, DisputeEvent, DisputeStatus
from db.event_models import Event, EventSignup, EventStatus, SignupStatus
from db.models import OutboxMessage, OutboxStatus
from db.notice_messages import NoticeCopy
from db.notice_models import Notice
from db.request_models import HelpRequest, RequestStatus
from db.room_rules import hours_used
from db.shift_records import given_between
from handlers.stats.hotspots import HotSpot, Spots, buildings
from handlers.stats.periods import Period, ServiceClock, trend_weeks
from handlers.types import Community

#: Rows fetched at a time from the database.
CHUNK = 5000
REQUEST_CATEGORIES = ("translation", "paperwork", "hospital", "housing", "transport", "other")


@dataclass(slots=True)
class Timing:
    """Durations in seconds: how many, median, 90th percentile, and of the ``judged`` ones
    (answered, or waiting already longer than the target) how many within the target."""

    count: int = 0
    median: float | None = None
    p90: float | None = None
    judged: int = 0
    within: int = 0

    @property
    def share(self) -> float | None:
        return self.within / self.judged if self.judged else None


@dataclass(slots=True)
class Week:
    start: str  # ISO date of the Monday
    requests: int = 0
    reports: int = 0
    claim_share: float | None = None
    ack_share: float | None = None


@dataclass(slots=True)
class Report:
    kind: str
    start: str
    end: str  # exclusive
    targets: dict[str, float]  # request_claim, dispute_ack, … in seconds; share as 0–1
    service_hours: str = ""  # "09:00–21:00", the hours help requests are timed in
    requests_by_category: dict[str, int] = field(default_factory=dict)
    reports_by_category: dict[str, int] = field(default_factory=dict)
    #: Buildings (the admins' list) that at least 3 different people reported.
    reports_by_place: dict[str, int] = field(default_factory=dict)
    reports_elsewhere: int = 0  # reports anywhere else, or at a building fewer people reported
    events_held: int = 0
    signups: int = 0  # people signed up (confirmed, with their party) for those events
    #: Notices sent in the period and the neighbours they reached (``notices_measure``).
    notices_sent: int = 0
    notices_reached: int = 0
    #: Per room: [name_zh, name_en, hours booked, hours used] (``db.room_rules.hours_used``).
    rooms_used: list[list] = field(default_factory=list)
    #: Confirmed volunteer hours of shifts held in the period, and the people who gave them.
    volunteer_hours: float = 0.0
    volunteers: int = 0
    claim: Timing = field(default_factory=Timing)
    ack: Timing = field(default_factory=Timing)
    resolve: Timing = field(default_factory=Timing)
    ratings: dict[str, int] = field(default_factory=dict)  # "1".."5" → count
    settle: Timing = field(default_factory=Timing)
    followup_yes: int = 0
    followup_no: int = 0
    reopened: int = 0
    hotspots: list[HotSpot] = field(default_factory=list)
    trend: list[Week] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.requests_by_category.values())

    @property
    def reports(self) -> int:
        return sum(self.reports_by_category.values())

    @property
    def rating_average(self) -> float | None:
        count = sum(self.ratings.values())
        total = sum(int(k) * v for k, v in self.ratings.items())
        return total / count if count else None

    @property
    def solved_share(self) -> float | None:
        answers = self.followup_yes + self.followup_no
        return self.followup_yes / answers if answers else None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        values = dict(data)
        for name in ("claim", "ack", "resolve", "settle"):
            values[name] = Timing(**values[name])
        values["hotspots"] = [HotSpot(**item) for item in values["hotspots"]]
        values["trend"] = [Week(**item) for item in values["trend"]]
        return cls(**values)


def targets(community: Community) -> dict[str, float]:
    """The community's targets, in seconds (the share as a fraction)."""
    return {
        "request_claim": community.target_request_claim.total_seconds(),
        "dispute_ack": community.target_dispute_ack.total_seconds(),
        "request_resolve": community.target_request_resolve.total_seconds(),
        "dispute_resolve": community.target_dispute_resolve.total_seconds(),
        "share": community.target_share,
    }


def quantile(ordered: list[float], q: float) -> float | None:
    """The ``q`` quantile of sorted values, interpolating linearly (None when empty)."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class _Durations:
    """Collects durations against a target; ``late`` counts those still waiting past it."""

    __slots__ = ("late", "target", "values")

    def __init__(self, target: float) -> None:
        self.target = target
        self.values: list[float] = []
        self.late = 0

    def timing(self) -> Timing:
        ordered = sorted(self.values)
        within = sum(1 for v in ordered if v <= self.target)
        return Timing(
            count=len(ordered),
            median=quantile(ordered, 0.5),
            p90=quantile(ordered, 0.9),
            judged=len(ordered) + self.late,
            within=within,
        )


def _rows(session: Session, statement: Any) -> Any:
    """Stream a statement's rows (a server-side cursor on PostgreSQL)."""
    return session.execute(statement.execution_options(yield_per=CHUNK))


def _raw(column: Any) -> Any:
    """A time column read as the driver gives it (``_time`` makes it aware): SQLAlchemy's own
    conversion costs more than the rest of the report on a large month."""
    return type_coerce(column, String)


def _time(value: Any) -> datetime | None:
    """An aware UTC datetime from a ``_raw`` column: SQLite gives naive UTC text, PostgreSQL
    an aware datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def compute(session: Session, community: Community, period: Period, now: datetime) -> Report:
    """Every number of the report for ``period``, as of ``now``."""
    tz = community.timezone
    goal = targets(community)
    opens, closes = community.service_hours
    report = Report(
        period.kind,
        period.start.isoformat(),
        period.end.isoformat(),
        goal,
        service_hours=f"{opens:%H:%M}–{closes:%H:%M}",
    )
    start, end = period.utc(tz)
    previous_start, _ = period.previous().utc(tz)
    weeks = trend_weeks(period)
    first_week = weeks[0].utc(tz)[0]
    window = min(first_week, previous_start)
    week_claims = [_Durations(goal["request_claim"]) for _ in weeks]
    week_acks = [_Durations(goal["dispute_ack"]) for _ in weeks]
    trend = [Week(w.start.isoformat()) for w in weeks]

    def week_index(moment: datetime) -> int:
        return int((moment - first_week) // timedelta(days=7))

    # 及时应答 (help requests): received, and time to the first claim in service hours.
    clock = ServiceClock(community.service_hours, tz, holidays=community.closed_on_holidays)
    claims = _Durations(goal["request_claim"])
    by_category = Counter({c: 0 for c in REQUEST_CATEGORIES})
    statement = select(
        _raw(HelpRequest.created_at),
        _raw(HelpRequest.first_claimed_at),
        HelpRequest.status,
        HelpRequest.category,
    ).where(HelpRequest.created_at >= window, HelpRequest.created_at < end)
    for raw_created, raw_claimed, status, category in _rows(session, statement):
        created, claimed = _time(raw_created), _time(raw_claimed)
        assert created is not None
        buckets = []
        if start <= created:
            by_category[category] += 1
            buckets.append(claims)
        index = week_index(created)
        if 0 <= index < len(weeks):
            trend[index].requests += 1
            buckets.append(week_claims[index])
        for bucket in buckets:
            if claimed is not None:
                bucket.values.append(clock.between(created, claimed))
            elif status == RequestStatus.OPEN and clock.between(created, now) > bucket.target:
                bucket.late += 1
    report.requests_by_category = dict(by_category)
    report.claim = claims.timing()

    # 及时到位: requests resolved in the period, how long they took (service hours), ratings.
    resolves = _Durations(goal["request_resolve"])
    ratings: Counter[str] = Counter()
    statement = select(
        _raw(HelpRequest.created_at), _raw(HelpRequest.resolved_at), HelpRequest.rating
    ).where(
        HelpRequest.status == RequestStatus.RESOLVED,
        HelpRequest.resolved_at >= start,
        HelpRequest.resolved_at < end,
    )
    for created, resolved, rating in _rows(session, statement):
        resolves.values.append(clock.between(_time(created), _time(resolved)))
        if rating:
            ratings[str(rating)] += 1
    report.resolve = resolves.timing()
    report.ratings = {str(n): ratings[str(n)] for n in range(1, 6)}

    # 及时掌握 and 及时应答 (dispute reports): received by category and place; acknowledged.
    acks = _Durations(goal["dispute_ack"])
    categories = Counter({c: 0 for c in dp.CATEGORIES})
    spots = Spots(buildings(session))
    statement = select(
        _raw(DisputeCase.created_at),
        _raw(DisputeCase.acknowledged_at),
        _raw(DisputeCase.resolved_at),
        DisputeCase.status,
        DisputeCase.category,
        DisputeCase.place_key,
        DisputeCase.reporter_id,
        DisputeCase.linked_to_id,
    ).where(DisputeCase.created_at >= window, DisputeCase.created_at < end)
    for row in _rows(session, statement):
        created, acked, resolved = _time(row[0]), _time(row[1]), _time(row[2])
        status, category, key, reporter, linked = row[3:]
        assert created is not None
        buckets = []
        if start <= created:
            categories[category] += 1
            spots.add(current=True, category=category, place=key, reporter=reporter)
            if linked is None:
                buckets.append(acks)
        elif created >= previous_start:
            spots.add(current=False, category=category, place=key, reporter=reporter)
        index = week_index(created)
        if 0 <= index < len(weeks):
            trend[index].reports += 1
            if linked is None:
                buckets.append(week_acks[index])
        answered = acked or resolved
        for bucket in buckets:
            if answered is not None:
                bucket.values.append((answered - created).total_seconds())
            elif status == DisputeStatus.NEW and (now - created).total_seconds() > bucket.target:
                bucket.late += 1
    report.reports_by_category = dict(categories)
    report.ack = acks.timing()
    report.reports_by_place = spots.places()
    report.reports_elsewhere = report.reports - sum(report.reports_by_place.values())
    for index, week in enumerate(trend):
        week.claim_share = week_claims[index].timing().share
        week.ack_share = week_acks[index].timing().share

    # 及时协商: buildings and categories reported again and again, and whether they are rising.
    report.hotspots = spots.hotspots()

    # 及时化解: cases resolved in the period; follow-up answers and reopenings.
    settles = _Durations(goal["dispute_resolve"])
    statement = select(_raw(DisputeCase.created_at), _raw(DisputeCase.resolved_at)).where(
        DisputeCase.linked_to_id.is_(None),
        DisputeCase.resolved_at >= start,
        DisputeCase.resolved_at < end,
    )
    for created, resolved in _rows(session, statement):
        settles.values.append((_time(resolved) - _time(created)).total_seconds())
    report.settle = settles.timing()
    kinds = dict(
        session.execute(
            select(DisputeEvent.kind, func.count())
            .where(
                DisputeEvent.kind.in_(("followup_yes", "followup_no", "reopened")),
                DisputeEvent.at >= start,
                DisputeEvent.at < end,
            )
            .group_by(DisputeEvent.kind)
        ).all()
    )
    report.followup_yes = kinds.get("followup_yes", 0)
    report.followup_no = kinds.get("followup_no", 0)
    report.reopened = kinds.get("reopened", 0)

    # 及时掌握 (events): events held in the period and the people signed up for them.
    held = and_(
        Event.status == EventStatus.PUBLISHED, Event.starts_at >= start, Event.starts_at < end
    )
    report.events_held = session.scalar(select(func.count()).select_from(Event).where(held)) or 0
    report.signups = (
        session.scalar(
            select(func.coalesce(func.sum(EventSignup.party_size), 0))
            .join(Event, Event.id == EventSignup.event_id)
            .where(held, EventSignup.status == SignupStatus.CONFIRMED)
        )
        or 0
    )
    report.notices_sent, report.notices_reached = notices_measure(session, start, end)
    report.rooms_used = hours_used(session, start, end)
    minutes, report.volunteers = given_between(session, start, end)
    report.volunteer_hours = round(minutes / 60, 1)
    report.trend = trend
    return report


def notices_measure(session: Session, start: datetime, end: datetime) -> tuple[int, int]:
    """Notices sent in [start, end) (started going out then) and the neighbours they reached
    (people with at least one copy delivered then): counts only, never who."""
    sent = session.scalar(
        select(func.count())
        .select_from(Notice)
        .where(Notice.started_at >= start, Notice.started_at < end)
    )
    reached = session.scalar(
        select(func.count(func.distinct(OutboxMessage.user_id))).where(
            OutboxMessage.template == NoticeCopy.template,
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.sent_at >= start,
            OutboxMessage.sent_at < end,
        )
    )
    return sent or 0, reached or 0
