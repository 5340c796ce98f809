"""The questions of the coordinator's forms: an opportunity's words, a shift's times and its
roles (one per line: ``引导 / Usher × 4 | en``), and turning the answers into a shift."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from db import shifts as ops
from db.shift_models import Opportunity
from handlers.forms.bilingual import bilingual_fields, titles
from handlers.forms.fields import Field, Invalid, TextField
from handlers.forms.time_fields import DateTimeField, EndField, future_times
from handlers.i18n import N_
from handlers.types import Ctx, Inbound

MAX_ROLES = 10
BAD_ROLE = N_(
    "I could not read “{line}”. Write each role as: name × places, e.g. 引导 / Usher × 4."
)
ROLE_LINE = re.compile(r"^(?P<names>.+?)\s*[×xX*＊]\s*(?P<count>\d{1,3})\s*$")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def parse_roles(text: str) -> list[dict[str, Any]]:
    """``引导 / Usher × 4 | en`` per line (or separated by ;): names, places, needs."""
    roles = []
    for raw in re.split(r"[\n;；]", text):
        line = raw.strip()
        if not line:
            continue
        head, _, needs = line.partition("|")
        match = ROLE_LINE.match(head.strip())
        if match is None:
            raise Invalid(
                BAD_ROLE,
                line=line[:60],
            )
        count = int(match["count"])
        if not 1 <= count <= 500:
            raise Invalid(N_("A role needs from 1 to 500 places."))
        names = [name.strip() for name in match["names"].split("/") if name.strip()]
        zh = next((name for name in names if _has_cjk(name)), None)
        en = next((name for name in names if not _has_cjk(name)), None)
        if len(names) > 2 or any(len(name) > 100 for name in names):
            raise Invalid(
                BAD_ROLE,
                line=line[:60],
            )
        tags = [tag.strip()[:30] for tag in re.split(r"[,，、]", needs) if tag.strip()]
        roles.append({"zh": zh, "en": en, "places": count, "needs": tags[:5]})
    if not roles:
        raise Invalid(N_("Please write at least one role, e.g. 引导 / Usher × 4."))
    if len(roles) > MAX_ROLES:
        raise Invalid(N_("Please keep it to {maximum} roles per shift."), maximum=MAX_ROLES)
    return roles


@dataclass(frozen=True, kw_only=True)
class RolesField(Field):
    """The shift's roles, one per line."""

    def parse(self, ctx: Ctx, inbound: Inbound) -> list[dict[str, Any]]:
        text = TextField(name=self.name, prompt=self.prompt, label=self.label, max_length=1500)
        return parse_roles(text.parse(ctx, inbound))

    def show(self, ctx: Ctx, value: Any) -> str:
        return "; ".join(
            f"{' / '.join(n for n in (role['zh'], role['en']) if n)} × {role['places']}"
            + (f" ({', '.join(role['needs'])})" if role["needs"] else "")
            for role in value
        )


TEXT_FIELDS = (
    *bilingual_fields(),
    TextField(
        name="organiser",
        prompt=N_("Who organises it? The community, or a partner company's name."),
        label=N_("Organiser"),
        max_length=200,
    ),
    TextField(
        name="place",
        prompt=N_("Where is it? e.g. Community centre, 2nd floor hall."),
        label=N_("Place"),
        max_length=300,
    ),
)
SHIFT_FIELDS = (
    DateTimeField(
        name="starts_at",
        prompt=N_(
            "When does the shift start? Local time, e.g. 2026-12-24 09:00 or 12月24日上午9点."
        ),
        label=N_("Shift start"),
    ),
    EndField(
        name="ends_at",
        start_field="starts_at",
        prompt=N_("How long is the shift, or when does it end? e.g. 3h, or 12:00."),
        label=N_("Shift end"),
    ),
    RolesField(
        name="roles",
        prompt=N_(
            "The roles in this shift, one per line: name × places, and after a | the languages "
            "or skills it needs, e.g.\n引导 / Usher × 4\n翻译 / Interpreter × 2 | en, zh"
        ),
        label=N_("Roles"),
    ),
)


def texts(data: dict[str, Any]) -> ops.NewOpportunity:
    title_zh, title_en = titles(
        data, N_("Please give the opportunity a title in at least one language."), field="title_zh"
    )
    return ops.NewOpportunity(
        title_zh=title_zh,
        title_en=title_en,
        description_zh=data.get("description_zh"),
        description_en=data.get("description_en"),
        organiser=data["organiser"],
        place=data["place"],
    )


def add_shift_from(ctx: Ctx, opportunity: Opportunity, data: dict[str, Any]) -> None:
    starts_at, ends_at = future_times(ctx, data)
    roles = [
        ops.NewRole(role["zh"], role["en"], int(role["places"]), tuple(role["needs"]))
        for role in data["roles"]
    ]
    ops.add_shift(ctx.session, opportunity, starts_at=starts_at, ends_at=ends_at, roles=roles)
