"""A small community whose November 2026 is known by heart, for the 五及 report's tests.

Help requests (service hours 09:00–21:00, Beijing time; target 30 min to claim):
- R1 filed 10 Nov 10:00, claimed after 20 min, resolved after 4 h, rated 5;
- R2 filed 11 Nov 20:50, claimed 12 Nov 09:20 (30 service minutes), resolved 13 Nov 09:50
  (13 service hours), rated 4;
- R3 filed 12 Nov 10:00, claimed after 90 min (late), still in progress;
- R4 filed 20 Nov, never claimed (late by now); R5 cancelled before anyone claimed it.
Dispute reports (target 24 h to acknowledge, 7 days to settle):
- three noise reports at 5栋 by three people (3, 5, 9 Nov; the third linked to the first), one
  in October (too few people to show that period's count);
- two parking reports at a named door of 7栋 (one anonymous): too few people to name the place.
The admins' building list holds 5栋 and 7栋.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from db.dispute_models import DisputeCase, DisputeEvent
from db.event_models import Event, EventSignup
from db.models import OutboxMessage, User
from db.notice_messages import NoticeCopy
from db.notice_models import Building, Notice
from db.request_models import HelpRequest

TZ = ZoneInfo("Asia/Shanghai")
#: When the report is made: 1 December 2026, 09:00 Beijing time.
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ).astimezone(UTC)
SECRET_NAME = "Zhang Secretname"
SECRET_TEXT = "the neighbour in 7-302 plays drums at night"
HIDDEN_PLACE = "7栋 Mr Wang's door"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def seed(session: Session) -> None:
    """Write the known month (the caller commits)."""
    people = [
        User(
            transport="telegram",
            external_id=str(5000 + n),
            display_name=SECRET_NAME if n == 0 else f"Neighbour {n}",
            private_chat_id=str(5000 + n),
            created_at=at(9, 1, 9),
        )
        for n in range(6)
    ]
    session.add_all(people)
    session.flush()
    resident = people[0].id

    def request(category: str, created: datetime, **values: object) -> None:
        session.add(
            HelpRequest(
                resident_id=resident,
                category=category,
                description=SECRET_TEXT,
                language="en",
                needed="asap",
                created_at=created,
                queued_at=created,
                **values,
            )
        )

    r1 = at(11, 10, 10)
    request(
        "translation",
        r1,
        status="resolved",
        first_claimed_at=r1 + timedelta(minutes=20),
        resolved_at=r1 + timedelta(hours=4),
        rating=5,
    )
    request(
        "paperwork",
        at(11, 11, 20, 50),
        status="resolved",
        first_claimed_at=at(11, 12, 9, 20),
        resolved_at=at(11, 13, 9, 50),
        rating=4,
    )
    r3 = at(11, 12, 10)
    request("translation", r3, status="in_progress", first_claimed_at=r3 + timedelta(minutes=90))
    request("housing", at(11, 20, 10), status="open")
    request("other", at(11, 21, 10), status="cancelled")

    for name in ("5栋", "7栋"):
        session.add(Building(name=name, created_at=at(9, 1, 9)))

    def case(
        category: str, created: datetime, place: str, by: int = 1, **values: object
    ) -> DisputeCase:
        row = DisputeCase(
            reporter_id=people[by].id,
            anonymous=values.pop("anonymous", False),
            category=category,
            place_text=place,
            place_key=place.replace(" ", "").casefold(),
            description=SECRET_TEXT,
            status=values.pop("status", "resolved"),
            created_at=created,
            updated_at=created,
            **values,
        )
        session.add(row)
        session.flush()
        return row

    case("noise", at(10, 15, 10), "5栋", acknowledged_at=at(10, 15, 11), resolved_at=at(10, 16, 10))
    d1 = case(
        "noise", at(11, 3, 10), "5栋", acknowledged_at=at(11, 3, 12), resolved_at=at(11, 6, 10)
    )
    d2 = case(
        "noise",
        at(11, 5, 10),
        "5栋 ",
        by=2,
        acknowledged_at=at(11, 6, 16),
        resolved_at=at(11, 20, 10),
    )
    case("noise", at(11, 9, 10), "5栋", by=3, linked_to_id=d1.id, status="acknowledged")
    case(
        "parking",
        at(11, 16, 10),
        HIDDEN_PLACE,
        anonymous=True,
        acknowledged_at=at(11, 16, 11),
        status="in_progress",
    )
    case("parking", at(11, 30, 20), HIDDEN_PLACE, by=2, status="new")
    for row, kind, when in (
        (d1, "followup_yes", at(11, 9, 11)),
        (d2, "followup_no", at(11, 23, 11)),
        (d2, "reopened", at(11, 23, 11)),
    ):
        session.add(
            DisputeEvent(
                case_id=row.id, at=when, actor_role="reporter", kind=kind, audience="internal"
            )
        )

    def event(starts: datetime, status: str, parties: list[tuple[int, str]]) -> None:
        row = Event(
            title_zh="活动",
            title_en="Event",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            place="广场",
            status=status,
            created_at=at(9, 1, 9),
            updated_at=at(9, 1, 9),
        )
        session.add(row)
        session.flush()
        for seq, (size, state) in enumerate(parties):
            session.add(
                EventSignup(
                    event_id=row.id,
                    user_id=people[seq].id,
                    party_size=size,
                    status=state,
                    seq=seq,
                    created_at=at(9, 2, 9),
                    updated_at=at(9, 2, 9),
                )
            )

    event(
        at(11, 15, 14),
        "published",
        [(1, "confirmed"), (2, "confirmed"), (1, "confirmed"), (1, "cancelled"), (1, "waiting")],
    )
    event(at(11, 22, 14), "cancelled", [(3, "confirmed")])
    event(at(10, 22, 14), "published", [(3, "confirmed")])

    def notice(started: datetime, copies: list[tuple[int, str]]) -> None:
        row = Notice(
            author_id=people[5].id,
            submission=f"s{started.timestamp():.0f}",
            text_zh="3栋明天停水",
            text_en="No water in building 3 tomorrow",
            topic="works",
            status="finished",
            requested_at=started,
            due_at=started,
            created_at=started,
            started_at=started,
        )
        session.add(row)
        session.flush()
        for person, status in copies:
            session.add(
                OutboxMessage(
                    transport="telegram",
                    chat_id=people[person].private_chat_id,
                    user_id=people[person].id,
                    template=NoticeCopy.template,
                    params={},
                    status=status,
                    attempts=1,
                    due_at=started,
                    created_at=started,
                    sent_at=started if status == "sent" else None,
                    card_key=f"nt:{row.id}",
                    dedup_key=f"nt:{row.id}:{people[person].id}",
                )
            )

    # November: one notice, delivered to two neighbours and failed for a third; October's
    # does not count.
    notice(at(11, 12, 10), [(1, "sent"), (2, "sent"), (3, "failed")])
    notice(at(10, 12, 10), [(1, "sent"), (4, "sent")])
