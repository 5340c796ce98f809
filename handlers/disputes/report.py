"""Reporting a dispute (``/report``, the menu's ⚖️ button), the emergency numbers, the
reporter's own list (``/mycases``) and their answers to the mediators' questions."""

from __future__ import annotations

import logging
from typing import Any

from db import outbox
from db.disputes import operations as dp
from db.disputes import parties as dp_parties
from db.disputes.models import DisputeCase, DisputeQuestion, DisputeStatus
from db.models import User
from db.teams import users_with_role
from handlers import limits
from handlers.buttons.disputes import AnswerQuestion, ReportDispute
from handlers.disputes.card import post_card
from handlers.disputes.common import CATEGORY_LABELS, REASON_LABELS, STATUS_LABELS, log_by, router
from handlers.disputes.emergency import emergency_notice, emergency_text, is_emergency
from handlers.disputes.messages import RoomNote, tell_room
from handlers.disputes.outcome import INVITED, other_side_blocks
from handlers.disputes.photos import kept_media, relay_photos
from handlers.forms import engine
from handlers.forms.engine import Form
from handlers.forms.fields import (
    Choice,
    ChoiceField,
    Invalid,
    LocationField,
    PhotoField,
    TextField,
    YesNoField,
)
from handlers.i18n import N_
from handlers.start import main_menu
from handlers.types import Button, Ctx, Kind

log = logging.getLogger(__name__)

ANONYMOUS = "anonymous"


def new_report(data: dict[str, Any]) -> dp.NewReport:
    """The report form's answers, as the case to file."""
    place = data.get("place") or {}
    anonymous = data.get("anonymous") == ANONYMOUS
    return dp.NewReport(
        category=data["category"],
        description=data["description"],
        anonymous=anonymous,
        contact_ok=bool(data.get("contact")) and not anonymous,
        place_text=place.get("text"),
        latitude=place.get("latitude"),
        longitude=place.get("longitude"),
        happens=data.get("when"),
        photos=tuple(kept_media(item) for item in data.get("photos") or []),
    )


def _submit(ctx: Ctx, data: dict[str, Any]) -> None:
    """File the case (always its own: a possible duplicate is for a mediator to link), post
    its card, relay the photos, give the reference."""
    over_limit = limits.reports_message(ctx)
    if over_limit is None and data.get("anonymous") == ANONYMOUS:
        over_limit = limits.anonymous_reports_message(ctx)
    if over_limit is not None:
        raise over_limit
    case = dp.file_case(ctx.session, reporter=ctx.user, report=new_report(data), now=ctx.now)
    if not post_card(ctx.session, ctx.community, case, ctx.now):
        tell_room(ctx.session, ctx.community, "new", ctx.now, ref=case.ref)
    relay_photos(ctx.session, ctx.community, case, ctx.now)
    ctx.completed()
    log.info("dispute case %d filed (possible duplicate of %s)", case.id, case.duplicate_of_id)
    lines = [
        ctx._(
            "Thank you. Your report {ref} was sent to the community's mediators. "
            "You will get updates here; /mycases shows where it stands."
        ).format(ref=case.ref)
    ]
    if data.get("anonymous") == ANONYMOUS:
        lines.append(ctx._("Your report is anonymous: the mediators do not know who you are."))
    ctx.reply("\n".join(lines), main_menu(ctx))


REPORT = router.form(
    Form(
        name="dp.report",
        title=N_("Report a dispute between neighbours"),
        confirm_label=N_("✅ Send the report"),
        fields=(
            ChoiceField(
                name="category",
                prompt=N_("What is the problem about?"),
                label=N_("Category"),
                options=tuple(Choice(key, label) for key, label in CATEGORY_LABELS.items()),
            ),
            LocationField(
                name="place",
                prompt=N_(
                    "Where does it happen? Write the building and unit, or a shared place "
                    "(for example “Building 3, unit 1202” or “the bicycle shed”). "
                    "You can also share a location."
                ),
                label=N_("Place"),
                notice=emergency_notice,
            ),
            TextField(
                name="when",
                prompt=N_("When does it happen? For example “every night after 23:00”."),
                label=N_("When"),
                optional=True,
                max_length=300,
                notice=emergency_notice,
            ),
            TextField(
                name="description",
                prompt=N_("Please describe the problem: what happens, and how it affects you."),
                label=N_("Description"),
                min_length=5,
                max_length=2000,
                notice=emergency_notice,
            ),
            PhotoField(
                name="photos",
                prompt=N_("You can send up to 3 photos or voice messages, one at a time."),
                label=N_("Photos"),
                optional=True,
                max_count=3,
                accept_voice=True,
            ),
            ChoiceField(
                name="anonymous",
                prompt=N_(
                    "Should the mediators know who you are?\n"
                    "With your name: they see your first name.\n"
                    "Anonymous: the mediators will not know who you are, but they can still "
                    "ask you questions through the bot, and you still get updates here."
                ),
                label=N_("Named or anonymous"),
                options=(
                    Choice("named", N_("👤 With my name")),
                    Choice(ANONYMOUS, N_("🕶 Anonymous")),
                ),
            ),
            YesNoField(
                name="contact",
                prompt=N_(
                    "May a mediator contact you directly about this report? "
                    "If not, they write to you only through the bot."
                ),
                # Translators: summary label: may a mediator contact the reporter directly
                label=N_("Contact"),
                when=lambda data: data.get("anonymous") == "named",
            ),
        ),
        on_submit=_submit,
    )
)


REPORT_PRIVATELY = N_("Please report a dispute in a private chat with me, not in a group.")


def start_report(ctx: Ctx, *, answers: dict[str, str] | None = None) -> None:
    """Open /report; ``answers`` (the category, the description) come from a message the
    person typed first, shown and changeable in the summary."""
    if limits.refused(ctx, limits.reports_message(ctx)):
        return
    ctx.reply(
        ctx._(
            "In an emergency, do not wait for this form: call 110 police, 119 fire, 120 ambulance."
        )
    )
    engine.start(ctx, REPORT, answers=answers)


@router.command(
    "report",
    description=N_("Report a dispute between neighbours"),
    private_only=True,
    private_hint=REPORT_PRIVATELY,
)
def report(ctx: Ctx, args: str) -> None:
    start_report(ctx)


@router.button(ReportDispute, private_only=True, private_hint=REPORT_PRIVATELY)
def report_button(ctx: Ctx, payload: ReportDispute) -> None:
    start_report(ctx)


# ---------------------------------------------------------------------------- /mycases

EVENT_LINES = {
    "reported": N_("you reported it"),
    "reopened": N_("reopened"),
}


def _event_line(ctx: Ctx, kind: str, text: str | None) -> str:
    if kind == "status":
        status = STATUS_LABELS.get(text or "", STATUS_LABELS[DisputeStatus.NEW])
        return ctx._("status: {status}").format(status=ctx._(status))
    if kind == "update":
        return ctx._("update: {text}").format(text=text)
    return ctx._(EVENT_LINES.get(kind, EVENT_LINES["reported"]))


@router.command("mycases", description=N_("My dispute reports and their status"), private_only=True)
def my_cases(ctx: Ctx, args: str) -> None:
    """The reporter's own reports, each with its status and what they were told."""
    cases = dp.cases_of(ctx.session, ctx.user)
    invited = other_side_blocks(ctx)  # matters they were invited to as the other side
    if not cases and not invited:
        ctx.reply(ctx._("You have not reported any dispute yet."), main_menu(ctx))
        return
    if not cases:
        ctx.reply(ctx._(INVITED) + "\n\n" + "\n\n".join(invited), main_menu(ctx))
        return
    cases = cases[:10]
    seen_of, questions_of = dp.reporter_view(ctx.session, cases)
    blocks = []
    buttons = []
    for case in cases:
        root = dp.root_of(ctx.session, case)
        lines = [
            ctx._("{ref} · {category} · {status}").format(
                ref=case.ref,
                category=ctx._(CATEGORY_LABELS.get(case.category, CATEGORY_LABELS["other"])),
                status=ctx._(STATUS_LABELS.get(root.status, root.status)),
            )
        ]
        seen = list(seen_of[case.id])
        if root.id != case.id:  # a linked report: its own time line only
            seen += dp.linked_timeline(case, seen_of[root.id])
        for event in sorted(seen, key=lambda e: (e.at, e.id))[-6:]:
            lines.append(
                f"  {ctx.lang.date(event.at)} — {_event_line(ctx, event.kind, event.text)}"
            )
        if root.outcome and root.id == case.id:  # what the mediators found, to read again
            lines.append("  " + ctx._("Outcome: {outcome}").format(outcome=root.outcome))
        if root.close_reason:
            reason = REASON_LABELS.get(root.close_reason, REASON_LABELS["other"])
            lines.append("  " + ctx._("Closed because: {reason}").format(reason=ctx._(reason)))
        for question in questions_of[case.id]:
            lines.append("  " + ctx._("❓ Question: {text}").format(text=question.text))
            buttons.append(
                (
                    Button(
                        ctx._("✍️ Answer {ref}").format(ref=case.ref),
                        AnswerQuestion(question.id).pack(),
                    ),
                )
            )
        blocks.append("\n".join(lines))
    text = ctx._("Your reports:") + "\n\n" + "\n\n".join(blocks)
    if invited:
        text += "\n\n" + ctx._(INVITED) + "\n\n" + "\n\n".join(invited)
    ctx.reply(text, tuple(buttons))


# ---------------------------------------------------------------------------- answers


def _own_open_question(ctx: Ctx, question_id: int) -> DisputeQuestion | None:
    question = ctx.session.get(DisputeQuestion, question_id) if question_id else None
    case = ctx.session.get(DisputeCase, question.case_id) if question else None
    if question is None or case is None or case.reporter_id != ctx.user.id:
        ctx.reply(ctx._("That question is not for you, or it no longer exists."))
        return None
    if question.answer is not None:
        ctx.reply(ctx._("You have already answered this question. Thank you."))
        return None
    return question


def asking_mediator(ctx: Ctx, question: DisputeQuestion) -> User | None:
    """The mediator who asked, while they still are one (or an admin)."""
    asker = ctx.session.get(User, question.asked_by) if question.asked_by else None
    if asker is None:
        return None
    staff = users_with_role(ctx.session, "mediator") + users_with_role(ctx.session, "admin")
    return asker if any(user.id == asker.id for user in staff) else None


def record_answer(ctx: Ctx, question: DisputeQuestion, text: str) -> None:
    """Keep the answer on the case and tell the mediators' room (never who answered)."""
    if not dp_parties.answer_question(ctx.session, question, text, ctx.now).done:
        ctx.reply(ctx._("You have already answered this question. Thank you."))
        return
    case = ctx.session.get(DisputeCase, question.case_id)
    assert case is not None
    root = dp.root_of(ctx.session, case)
    log_by(ctx, root, "answer", role="reporter", named=False, text=text)
    asker = asking_mediator(ctx, question)
    if asker is not None:  # privately to the mediator who asked, with the case a press away
        outbox.enqueue_to_user(
            ctx.session,
            asker,
            params=RoomNote(
                what="answer", ref=root.ref, question=question.text, text=text, open=root.id
            ),
            now=ctx.now,
        )
    tell_room(
        ctx.session,
        ctx.community,
        "answer",
        ctx.now,
        case=root,
        told=asker,
        ref=root.ref,
        question=question.text,
        text=text,
    )
    lines = [emergency_text(ctx)] if is_emergency(text) else []
    lines.append(
        ctx._("Thank you. Your answer was passed to the mediators ({ref}).").format(ref=case.ref)
    )
    ctx.reply("\n".join(lines))


ANSWER = router.form(
    Form(
        name="dp.answer",
        title=N_("Answer the mediators"),
        fields=(
            TextField(
                name="text",
                prompt=N_("Please write your answer."),
                label=N_("Answer"),
                max_length=2000,
                notice=emergency_notice,
            ),
        ),
        on_submit=lambda ctx, data: _submit_answer(ctx, data),
        confirm_label=N_("✅ Send"),
        compact=lambda ctx, data: ctx._("Send your answer to the mediators?"),
    )
)


def _submit_answer(ctx: Ctx, data: dict[str, Any]) -> None:
    question = ctx.session.get(DisputeQuestion, data["question"])
    if question is None:
        raise Invalid(N_("That question is not for you, or it no longer exists."))
    record_answer(ctx, question, data["text"])


@router.button(AnswerQuestion)
def answer_button(ctx: Ctx, payload: AnswerQuestion) -> None:
    question = _own_open_question(ctx, payload.question)
    if question is not None:
        ctx.reply(ctx._("The mediators asked: {text}").format(text=question.text))
        engine.start(ctx, ANSWER, initial={"question": question.id})


def _open_question(ctx: Ctx, question_id: int) -> tuple[DisputeQuestion, DisputeCase] | None:
    """The question, if it is to this reporter, unanswered, on an open case and asked within
    ``QUESTION_OPEN_FOR`` (older ones are still answered with their button)."""
    question = ctx.session.get(DisputeQuestion, question_id)
    case = ctx.session.get(DisputeCase, question.case_id) if question is not None else None
    if (
        question is None
        or case is None
        or case.reporter_id != ctx.user.id
        or question.answer is not None
        or case.status not in dp.OPEN
        or question.asked_at < ctx.now - dp_parties.QUESTION_OPEN_FOR
    ):
        return None
    return question, case


def _question_label(ctx: Ctx, question_id: int) -> str | None:
    found = _open_question(ctx, question_id)
    return found[1].ref if found is not None else None


@router.awaits_answer(dp.SERVICE, label=_question_label)
def answer_by_text(ctx: Ctx, question_id: int) -> bool:
    """A reporter's free text while a question to them is open answers it."""
    text = ctx.inbound.text.strip() if ctx.inbound.kind is Kind.TEXT else ""
    found = _open_question(ctx, question_id)
    if not text or found is None:
        return False
    record_answer(ctx, found[0], text[:2000])
    return True
