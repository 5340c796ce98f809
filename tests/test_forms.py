"""The form engine: every field kind with bad input, back, skip, cancel, edit from the summary,
confirm, stale buttons, expiry, and a restart in the middle — in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.dispatcher import Dispatcher
from db import outbox
from db.models import Conversation, OutboxMessage
from handlers import build_registry
from handlers.forms import engine as form_engine
from handlers.forms.engine import Form
from handlers.forms.fields import (
    Choice,
    ChoiceField,
    ConsentField,
    Invalid,
    LocationField,
    MultiChoiceField,
    NumberField,
    PhotoField,
    TextField,
    YesNoField,
)
from handlers.forms.time_fields import DateTimeField
from handlers.i18n import N_
from handlers.roles import RoleGranted
from handlers.router import Registry, Router
from handlers.types import Kind
from tests.forms_support import SUBMITTED
from tests.support import Resident, step


def _submit(ctx, data):
    if data.get("title") == "refuse me":
        raise Invalid(N_("Please check your answers:"))
    SUBMITTED.append(data)
    outbox.enqueue(
        ctx.session,
        transport="telegram",
        chat_id="-100",
        params=RoleGranted(role="volunteer"),
        now=ctx.now,
        user_id=ctx.user.id,
    )
    ctx.reply("submitted")


FORM = Form(
    name="test.everything",
    title=N_("Cancel"),  # any catalogued msgid: the title's translation is not under test
    fields=(
        ChoiceField(
            name="kind",
            prompt=N_("Please choose one of the buttons."),
            label=N_("Yes"),
            options=(Choice("noise", N_("Yes")), Choice("pets", N_("No"))),
        ),
        TextField(
            name="title",
            prompt=N_("Please send text."),
            label=N_("Skip"),
            min_length=3,
            max_length=20,
        ),
        NumberField(
            name="places",
            prompt=N_("Please send a number."),
            label=N_("Done"),
            minimum=1,
            maximum=8,
        ),
        DateTimeField(
            name="when",
            prompt=N_("Please type a date and time, for example 2026-12-24 19:00."),
            label=N_("Back"),
        ),
        YesNoField(
            name="named", prompt=N_("Please answer with the Yes or No button."), label=N_("No")
        ),
        # Asked only for named reports: a conditional follow-up.
        LocationField(
            name="where",
            prompt=N_("Please share a location or write the place as text."),
            label=N_("Yes"),
            when=lambda data: data.get("named") is True,
        ),
        PhotoField(
            name="photos",
            prompt=N_("Please send a photo."),
            label=N_("Done"),
            optional=True,
            max_count=2,
        ),
    ),
    on_submit=_submit,
)


@pytest.fixture
def form_dispatcher(session_factory, community, clock):
    SUBMITTED.clear()
    router = Router("test-forms")
    router.form(FORM)

    @router.command("testform")
    def open_form(ctx, args):
        form_engine.start(ctx, FORM)

    registry = Registry([*build_registry().routers, router])
    return Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


def _fill_to_summary(person: Resident) -> None:
    person.send("/testform")
    person.press("Yes" if person.language_code == "en" else "是")
    person.send("Loud music")
    person.send("3")
    person.send("2026-12-24 19:00")
    person.press("Yes" if person.language_code == "en" else "是")
    person.send("Building 3, 1202")
    person.send_kind(Kind.PHOTO, file_id="photo-1")
    person.send_kind(Kind.PHOTO, file_id="photo-2")  # the second of at most two ends the field


def test_happy_path_with_summary_and_confirm(form_dispatcher, session_factory):
    alice = Resident(form_dispatcher, "Alice", "en")
    _fill_to_summary(alice)
    assert "Please check your answers:" in alice.text
    assert "Thu, Dec 24, 2026, 19:00" in alice.text  # shown in the community's zone, en format
    assert "Building 3, 1202" in alice.text and "2 photos" in alice.text
    alice.press("Confirm")
    assert alice.text == "submitted"
    assert [
        {
            "kind": "noise",
            "title": "Loud music",
            "places": 3,
            "when": datetime(2026, 12, 24, 11, 0, tzinfo=UTC).isoformat(),
            "named": True,
            "where": {"text": "Building 3, 1202"},
            "photos": [
                {"file_id": "photo-1", "kind": "photo"},
                {"file_id": "photo-2", "kind": "photo"},
            ],
        }
    ] == SUBMITTED
    with session_factory() as session:
        conversation = session.scalar(select(Conversation))
        assert conversation.flow is None and conversation.data == {}
        assert session.scalar(select(OutboxMessage.template)) == "roles.granted"


def test_summary_in_chinese(form_dispatcher):
    wang = Resident(form_dispatcher, "Wang", "zh-hans")
    _fill_to_summary(wang)
    assert "请核对您填写的内容：" in wang.text
    assert "2026年12月24日周四 19:00" in wang.text
    assert "2 张照片" in wang.text
    assert "• 是：是" in wang.text, "a full-width colon between label and answer in Chinese"
    assert ": " not in wang.text.replace("19:00", "")
    assert wang.buttons()[0].label == "✅ 确认"


@pytest.mark.parametrize(
    ("send", "hint", "expected"),
    [
        ("", "en", "The message was empty"),
        ("ab", "en", "That is too short: please write at least 3 characters."),
        ("x" * 21, "en", "That is too long (21 characters). Please keep it under 20."),
        ("ab", "zh-hans", "内容太短了：请至少写 3 个字。"),
        ("x" * 21, "zh-hans", "内容太长了（21 个字）。请控制在 20 个字以内。"),
    ],
)
def test_text_field_rejects_and_stays(form_dispatcher, send, hint, expected):
    person = Resident(form_dispatcher, "P", hint)
    person.send("/testform")
    person.press_payload(person.buttons()[0].payload)
    person.send(send)
    assert expected in person.text
    assert step(person, 2, 6) in person.text  # still on the same question, asked again
    person.send("Fine title")
    assert step(person, 3, 6) in person.text


@pytest.mark.parametrize(
    ("send", "hint", "expected"),
    [
        ("lots", "en", "“lots” is not a whole number. Please send a number, for example 1."),
        ("twelve people", "en", "Please send a number from 1 to 8."),  # read, over the most
        ("0", "en", "Please send a number from 1 to 8."),
        ("99", "zh-hans", "请发送 1 到 8 之间的数字。"),
        ("很多", "zh-hans", "“很多”不是整数。"),
        ("十二位", "zh-hans", "请发送 1 到 8 之间的数字。"),
    ],
)
def test_number_field(form_dispatcher, send, hint, expected):
    person = Resident(form_dispatcher, "P", hint)
    person.send("/testform")
    person.press_payload(person.buttons()[0].payload)
    person.send("A title")
    person.send(send)
    assert expected in person.text
    person.send("8")
    assert step(person, 4, 6) in person.text


@pytest.mark.parametrize(
    ("send", "hint", "expected"),
    [
        ("next Friday-ish", "en", "I could not read “next Friday-ish” as a date. Please send"),
        ("2026-02-30 10:00", "zh-hans", "我没能把“2026-02-30 10:00”识别为日期。"),
        ("2026-11-25 10:00", "en", "has already passed. Please send a time in the future."),
        ("2026-11-25 10:00", "zh-hans", "已经过去了。请发送一个将来的时间。"),
    ],
)
def test_datetime_field(form_dispatcher, send, hint, expected):
    person = Resident(form_dispatcher, "P", hint)
    person.send("/testform")
    person.press_payload(person.buttons()[0].payload)
    person.send("A title")
    person.send("2")
    person.send(send)
    assert expected in person.text
    person.send("12月24日晚上7点")  # the Chinese way works in either language
    assert step(person, 5, 6) in person.text


def test_wrong_kinds_of_input_at_each_field(form_dispatcher):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    person.send("noise?")  # typed where a choice is asked, and not a label
    assert "Please choose one of the buttons." in person.text
    person.press("Yes")
    person.send_kind(Kind.STICKER)  # no mistake: the question again, without an error line
    assert person.text.startswith(step(person, 2, 6))
    person.send_kind(Kind.LOCATION, location=(30.57, 104.06))
    assert person.text.startswith("Please send text.")
    person.send("Title")
    person.send_kind(Kind.PHOTO, file_id="p")
    assert "Please send a number." in person.text
    person.send("1")
    person.send("2027-01-01 10:00")
    person.send("maybe later")
    assert "Please answer with the Yes or No button." in person.text
    person.send("yes please")  # typed, it answers as the button would
    person.send_kind(Kind.DOCUMENT, file_id="d")
    assert "Please share a location or write the place as text." in person.text
    person.send_kind(Kind.LOCATION, location=(30.57, 104.06))
    person.send("a caption, not a photo")
    assert "Please send a photo." in person.text
    person.press("Done") if any("Done" in b.label for b in person.buttons()) else person.press(
        "Skip"
    )
    assert "Please check your answers:" in person.text
    assert "📍 30.57000, 104.06000" in person.text


def test_back_skip_and_conditional_fields(form_dispatcher):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    assert not any(b.label == "Back" for b in person.buttons()), "no Back on the first question"
    person.press("No")
    person.send("Title")
    person.press("Back")
    assert step(person, 2, 6) in person.text
    person.send("Better title")
    person.send("2")
    person.send("2027-01-01 10:00")
    person.press("No")  # not named: the location question is not asked
    assert step(person, 6, 6) in person.text or step(person, 5, 5) in person.text
    person.press("Skip")
    assert "Please check your answers:" in person.text
    assert "(skipped)" in person.text
    assert "Better title" in person.text


def test_edit_one_answer_from_the_summary(form_dispatcher):
    person = Resident(form_dispatcher, "P", "en")
    _fill_to_summary(person)
    person.press("✏️ Done")  # the places field's label is "Done" in this test form
    person.send("5")
    assert "Please check your answers:" in person.text, "back to the summary after the edit"
    assert "• Done: 5" in person.text


@pytest.mark.parametrize("hint", ["en", "zh-hans"])
def test_back_from_an_edit_keeps_the_earlier_answer(form_dispatcher, hint):
    person = Resident(form_dispatcher, "P", hint)
    _fill_to_summary(person)
    english = hint == "en"
    person.press("✏️ Done" if english else "✏️ 完成")  # the places field (label "Done")
    assert step(person, 3, 7) in person.text
    assert ("Your answer so far: 3" if english else "您目前的回答：3") in person.text
    person.press("Back" if english else "返回")
    assert ("Please check your answers:" if english else "请核对您填写的内容：") in person.text
    assert ("• Done: 3" if english else "• 完成：3") in person.text, "the answer is not lost"
    person.press("✏️ Yes" if english else "✏️ 是")  # the first field: Back is offered there too
    person.press("Back" if english else "返回")
    assert ("• Yes: Yes" if english else "• 是：是") in person.text
    person.press("✅ Confirm" if english else "✅ 确认")
    assert SUBMITTED[-1]["places"] == 3 and SUBMITTED[-1]["kind"] == "noise"
    assert set(SUBMITTED[-1]) <= {field.name for field in FORM.fields}, "only the answers"


@pytest.mark.parametrize(
    ("hint", "typed", "expected"),
    [
        ("en", "Skip", "This question cannot be skipped. Please answer it."),
        ("en", "skip", "This question cannot be skipped. Please answer it."),
        ("zh-hans", "跳过", "这个问题不能跳过，请回答。"),
    ],
)
def test_typing_skip_where_there_is_no_skip_is_not_an_answer(
    form_dispatcher, hint, typed, expected
):
    person = Resident(form_dispatcher, "P", hint)
    person.send("/testform")
    person.press_payload(person.buttons()[0].payload)
    person.send(typed)  # the title is required: no Skip button
    assert expected in person.text
    assert step(person, 2, 6) in person.text
    person.send("Real title")
    assert step(person, 3, 6) in person.text


@pytest.mark.parametrize(("hint", "typed"), [("zh-hans", "skip"), ("en", "跳过"), ("en", "SKIP")])
def test_skip_typed_in_either_language_skips_an_optional_question(form_dispatcher, hint, typed):
    person = Resident(form_dispatcher, "P", hint)
    person.send("/testform")
    person.press("Yes" if hint == "en" else "是")
    person.send("Loud music")
    person.send("3")
    person.send("2026-12-24 19:00")
    person.press("Yes" if hint == "en" else "是")
    person.send("Building 3, 1202")
    assert step(person, 7, 7) in person.text  # the photos: optional, labelled Done
    person.send(typed)
    assert ("• Done: (skipped)" if hint == "en" else "• 完成：（已跳过）") in person.text
    person.press("✅ Confirm" if hint == "en" else "✅ 确认")
    assert SUBMITTED[-1]["photos"] is None


def test_cancel_by_button_and_by_command(form_dispatcher, session_factory):
    person = Resident(form_dispatcher, "P", "zh-hans")
    person.send("/testform")
    person.press("取消")
    assert "已取消" in person.text and "没有保存任何内容" in person.text
    person.send("/testform")
    person.press("是")
    person.send("/cancel")
    assert "已取消" in person.text
    assert SUBMITTED == []
    with session_factory() as session:
        assert session.scalar(select(Conversation.flow)) is None


def test_other_commands_keep_the_form_open(form_dispatcher):
    """/help in the middle of a form answers, then asks the same question again."""
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    person.press("Yes")
    person.send("Half-typed title")
    person.send("/help")
    assert "You can send me these commands:" in person.text
    assert step(person, 3, 6) in person.text
    person.send("4")
    assert step(person, 4, 6) in person.text


def test_stale_button_from_an_earlier_form(form_dispatcher):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    old_yes = person.buttons()[0].payload
    person.send("/cancel")
    person.send("/testform")
    person.press_payload(old_yes)
    assert "That button belongs to an earlier message." in person.text
    assert step(person, 1, 6) in person.text


def test_refusal_on_submit_keeps_the_answers(form_dispatcher):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    person.press("Yes")
    person.send("refuse me")
    person.send("1")
    person.send("2027-01-01 10:00")
    person.press("No")
    person.press("Skip")
    person.press("Confirm")
    assert SUBMITTED == []
    assert "refuse me" in person.text, "still on the summary with every answer"


def test_restart_mid_flow_resumes_from_the_database(session_factory, community, clock, engine):
    """A new dispatcher (a restarted bot, or a second worker) carries on where the user was."""
    router = Router("test-forms")
    router.form(FORM)

    @router.command("testform")
    def open_form(ctx, args):
        form_engine.start(ctx, FORM)

    def fresh() -> Dispatcher:
        return Dispatcher(
            session_factory=session_factory,
            registry=Registry([*build_registry().routers, router]),
            community=community,
            clock=clock,
        )

    before = Resident(fresh(), "P", "en")
    before.send("/testform")
    before.press("Yes")
    before.send("Survives")
    engine.dispose()  # drop every pooled connection: nothing lives in memory
    after = Resident(fresh(), "P", "en")
    after.send("7")
    assert step(after, 4, 6) in after.text
    after.press("Back")
    after.press("Back")
    assert step(after, 2, 6) in after.text


def test_a_form_left_open_by_the_previous_version_carries_on(form_dispatcher, session_factory):
    """Before the engine had its own key, a form's answers and markers were one flat dict:
    someone in the middle of a form when the bot is upgraded goes on where they were."""
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    person.press("Yes")
    person.send("Old title")
    with session_factory() as session, session.begin():
        conversation = session.scalar(select(Conversation))
        conversation.data = {"kind": "noise", "title": "Old title", "__return_to_summary__": False}
    person.send("4")
    assert step(person, 4, 6) in person.text
    person.send("2026-12-24 19:00")
    person.press("Yes")
    person.send("Building 3")
    person.press("Skip")
    assert "• Skip: Old title" in person.text and "• Done: 4" in person.text


@pytest.mark.parametrize("action", ["c²", "e²", "c99", "e99", "zz"])
def test_forged_form_buttons_get_a_clear_answer(form_dispatcher, action):
    person = Resident(form_dispatcher, "P", "zh-hans")
    person.send("/testform")
    token = person.buttons()[0].payload.split(":")[1]
    person.press_payload(f"fm:{token}:{action}")
    assert "出了点问题" not in person.text
    assert step(person, 1, 6) in person.text, "still on the first question"


def test_expiry(form_dispatcher, clock):
    person = Resident(form_dispatcher, "P", "zh-hans")
    person.send("/testform")
    person.press("是")
    clock.advance(days=1, seconds=1)
    person.send("A title")
    assert "已超时关闭" in person.text
    person.send("/testform")
    clock.advance(minutes=59)  # each answer renews the time
    person.press("是")
    clock.advance(minutes=59)
    person.send("A title")
    assert step(person, 3, 6) in person.text


def test_expired_form_button_is_not_obeyed(form_dispatcher, clock):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    clock.advance(days=1)
    person.press("Yes")
    assert "timed out" in person.text
    assert SUBMITTED == []


def test_numbers_on_the_console_press_buttons_only_at_choices(form_dispatcher):
    """Typing 2 at a choice picks button 2; at a number question it is the answer."""
    person = Resident(form_dispatcher, "P", "en", transport="console", numbered_buttons=True)
    person.send("/testform")
    person.send("2")  # [1] Yes [2] No  → No
    assert step(person, 2, 6) in person.text
    person.send("Title")
    person.send("2")  # a number question: 2 places, not the second button
    assert step(person, 4, 6) in person.text
    person.send("2027-01-01 10:00")
    person.send("1")  # Yes: named, so the conditional location question joins the form
    assert "(6/7) Please share a location" in person.text
    person.send("Building 3")
    assert "(7/7) Please send a photo." in person.text
    person.send("2")  # a photo cannot be typed: [1] Back [2] Skip [3] Cancel → Skip
    assert "Please check your answers:" in person.text


def test_form_state_expires_at_is_set(form_dispatcher, session_factory, clock):
    person = Resident(form_dispatcher, "P", "en")
    person.send("/testform")
    with session_factory() as session:
        assert session.scalar(select(Conversation.expires_at)) == clock() + timedelta(days=1)


@pytest.mark.parametrize(
    ("typed", "end_utc"),
    [
        ("2h", "2026-12-24T13:00:00+00:00"),
        ("90 min", "2026-12-24T12:30:00+00:00"),
        ("两个小时", "2026-12-24T13:00:00+00:00"),
        ("21:30", "2026-12-24T13:30:00+00:00"),  # that evening, community time
        ("12月25日 10:00", "2026-12-25T02:00:00+00:00"),
    ],
)
def test_end_field_takes_a_duration_or_an_end_time(plan_dispatcher, typed, end_utc):
    person = Resident(plan_dispatcher, "P", "en")
    person.send("/plan")
    person.send("2026-12-24 19:00")
    person.send(typed)
    assert "(3/3) Places" in person.text
    person.send("12")
    person.press("Confirm")
    (submitted,) = SUBMITTED
    assert submitted == {"start": "2026-12-24T11:00:00+00:00", "end": end_utc, "places": 12}


@pytest.mark.parametrize(
    ("hint", "typed", "expected"),
    [
        ("en", "2026-12-24 18:00", "The end must be after the start"),
        ("en", "soon-ish", "could not read “soon-ish” as a duration or an end time"),
        ("en", "30d", "longer than 14 days"),
        ("zh-hans", "随便", "抱歉，我没能把“随便”识别为时长或结束时间"),
        ("zh-hans", "12月24日 18:00", "结束时间必须晚于开始时间"),
    ],
)
def test_end_field_refuses_and_stays(plan_dispatcher, hint, typed, expected):
    person = Resident(plan_dispatcher, "P", hint)
    person.send("/plan")
    person.send("2026-12-24 19:00")
    person.send(typed)
    assert expected in person.text
    person.send_kind(Kind.LOCATION, location=(30.0, 104.0))
    assert (
        step(person, 2, 3) in person.text and "21:30" in person.text
    )  # still there, told what to send
    person.send("2h")
    assert step(person, 3, 3) in person.text


def test_number_or_unlimited(plan_dispatcher):
    person = Resident(plan_dispatcher, "P", "zh-hans", transport="console", numbered_buttons=True)
    person.send("/plan")
    person.send("2026-12-24 19:00")
    person.send("2h")
    person.send("0")
    assert "请发送 1 到 50 之间的数字" in person.text
    person.send("1")  # typed at a number question: one place, not the first button
    assert "请核对您填写的内容" in person.text and "名额：1" in person.text
    person.press("名额")  # edit it from the summary
    person.press("不限")
    assert "名额：不限" in person.text
    person.press("确认")
    assert SUBMITTED[0]["places"] == "unlimited"


CONSENT_FORM = Form(
    name="test.consent",
    title=N_("Cancel"),
    fields=(
        ConsentField(
            name="agree",
            prompt=N_("Please answer with the Yes or No button."),
            label=N_("Yes"),
            refusal=N_("Please choose one of the buttons."),
        ),
        MultiChoiceField(
            name="pets",
            prompt=N_("Please send text."),
            label=N_("No"),
            options=(Choice("cat", N_("Yes")), Choice("dog", N_("No")), Choice("fish", N_("Skip"))),
        ),
    ),
    on_submit=_submit,
)


@pytest.fixture
def consent_dispatcher(session_factory, community, clock):
    SUBMITTED.clear()
    router = Router("test-consent")
    router.form(CONSENT_FORM)

    @router.command("testconsent")
    def open_form(ctx, args):
        form_engine.start(ctx, CONSENT_FORM)

    registry = Registry([*build_registry().routers, router])
    return Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )


@pytest.mark.parametrize(
    ("hint", "no", "refusal"),
    [
        ("en", "No", "Please choose one of the buttons."),
        ("zh-hans", "否", "请点下面的按钮选择。"),
    ],
)
def test_consent_field_refuses_no_and_stays(consent_dispatcher, hint, no, refusal):
    person = Resident(consent_dispatcher, "P", hint)
    person.send("/testconsent")
    person.press(no)
    assert refusal in person.text
    assert step(person, 1, 2) in person.text, "still at the consent question"
    person.press("Yes" if hint == "en" else "是")
    assert step(person, 2, 2) in person.text


def test_multi_choice_field_collects_each_choice_once(consent_dispatcher):
    person = Resident(consent_dispatcher, "P", "en")
    person.send("/testconsent")
    person.press("Yes")
    person.press("Skip")  # fish (a choice labelled Skip, not the Skip button: the first match)
    person.press("Yes")  # cat
    person.press("Yes")  # cat again: still two
    assert "Received 2 of at most 3." in person.text
    person.press("Done")
    assert "Please check your answers:" in person.text
    assert "• No: Skip and Yes" in person.text
    person.press("Confirm")
    assert SUBMITTED == [{"agree": True, "pets": ["fish", "cat"]}]


def test_a_field_notice_comes_before_the_next_question(session_factory, community, clock):
    """A field's ``notice`` adds text ahead of everything else in the reply; bad input or an
    answer that calls for nothing adds none."""
    form = Form(
        name="test.notice",
        title=N_("Cancel"),
        fields=(
            TextField(
                name="what",
                prompt=N_("Please send text."),
                label=N_("Skip"),
                max_length=20,
                notice=lambda ctx, value: "NOTICE" if "fire" in value else None,
            ),
            TextField(name="more", prompt=N_("Please send a number."), label=N_("Done")),
        ),
        on_submit=lambda ctx, data: None,
    )
    router = Router("test-notice")
    router.form(form)

    @router.command("testnotice")
    def open_form(ctx, args):
        form_engine.start(ctx, form)

    registry = Registry([*build_registry().routers, router])
    dispatcher = Dispatcher(
        session_factory=session_factory, registry=registry, community=community, clock=clock
    )
    alice = Resident(dispatcher, "Alice", "en")
    alice.send("/testnotice")
    alice.send("x" * 30)  # too long: refused, no notice
    assert "NOTICE" not in alice.text and "too long" in alice.text
    alice.send("a fire downstairs")
    assert alice.replies[0].text == "NOTICE"
    assert "Please send a number." in alice.replies[-1].text
    alice.send("calm")
    assert "NOTICE" not in alice.text
