"""Messages to people other than the one who just wrote (an opportunity cancelled, a place
from the waiting list, a reminder, a late cancellation for the coordinator, hours confirmed),
rendered from the outbox in each recipient's language when sent."""

from __future__ import annotations

from db.volunteering.hours import HoursConfirmed
from db.volunteering.messages import (
    LateCancel,
    OpportunityCancelled,
    Promoted,
    ShiftNamed,
    ShiftReminder,
)
from handlers.buttons.volunteering import ManageOpportunity, MyHours, ShowOpportunity
from handlers.common import pick_text
from handlers.i18n import Language, for_reader
from handlers.types import Button, Reply, keyboard
from handlers.volunteering.common import hours_text, router


def title_of(lang: Language, params: ShiftNamed) -> str:
    return pick_text(lang.code, params.title_zh, params.title_en)


def _role(lang: Language, params: Promoted | LateCancel) -> str:
    return pick_text(lang.code, params.role_zh, params.role_en)


def start_of(lang: Language, params: ShiftNamed) -> str:
    return lang.datetime(params.starts_at)


def card_button(lang: Language, params: ShiftNamed) -> Button:
    return Button(
        lang.gettext("🤝 Open the opportunity"), ShowOpportunity(params.opportunity_id).pack()
    )


@router.template(OpportunityCancelled)
def cancelled(lang: Language, params: OpportunityCancelled) -> Reply:
    return Reply(
        lang.gettext(
            "❌ The volunteer opportunity “{title}” ({when}) is cancelled. Your signup is "
            "cancelled with it. Thank you for offering your time."
        ).format(title=title_of(lang, params), when=start_of(lang, params))
    )


@router.template(Promoted)
def promoted(lang: Language, params: Promoted) -> Reply:
    return Reply(
        lang.gettext(
            "🎉 A place became free: you are now signed up as {role} for “{title}” ({when})."
            " If you cannot come, please cancel your signup on the card."
        ).format(
            role=_role(lang, params), title=title_of(lang, params), when=start_of(lang, params)
        ),
        keyboard(card_button(lang, params)),
    )


@router.template(ShiftReminder)
def reminder(lang: Language, params: ShiftReminder) -> Reply:
    return Reply(
        lang.gettext(
            "⏰ Reminder: your volunteer shift for “{title}” starts {when} at {place}. At the "
            "venue, send me the check-in code the coordinator shows."
        ).format(
            title=title_of(lang, params),
            when=start_of(lang, params),
            place=for_reader(lang.code, params.place),
        ),
        keyboard(card_button(lang, params)),
    )


@router.template(LateCancel)
def late_cancel(lang: Language, params: LateCancel) -> Reply:
    if params.moved_up:
        text = lang.gettext(
            "⚠️ {name} cancelled their place as {role} for “{title}” ({when}). The first "
            "person on the waiting list took it."
        )
    else:
        text = lang.gettext(
            "⚠️ {name} cancelled their place as {role} for “{title}” ({when}), less than 24 "
            "hours before the start. The shift now has a free place."
        )
    return Reply(
        text.format(
            name=params.name or "—",
            role=_role(lang, params),
            title=title_of(lang, params),
            when=start_of(lang, params),
        ),
        keyboard(Button(lang.gettext("🛠 Manage"), ManageOpportunity(params.opportunity_id).pack())),
    )


@router.template(HoursConfirmed)
def hours_confirmed(lang: Language, params: HoursConfirmed) -> Reply:
    return Reply(
        lang.gettext(
            "✅ Your volunteer hours for “{title}” ({when}) are confirmed: {hours}. Thank you!"
        ).format(
            title=title_of(lang, params),
            when=start_of(lang, params),
            hours=hours_text(lang, params.minutes),
        ),
        keyboard(Button(lang.gettext("⏱ My hours"), MyHours().pack())),
    )
