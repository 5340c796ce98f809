"""Routers: each flow module declares its commands, buttons, deep links, forms and
outbox templates on one ``Router``; ``handlers.build_registry`` assembles them in one list.

A button registers for a payload type (``handlers/payloads.py``): the dispatcher parses the
pressed payload to that type (a forged or stale one never reaches the handler), checks the rule
declared with it, and calls the handler with the parsed object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from db.outbox_params import Params
from handlers.payloads import Catalog, Payload, StartLink, StartLinks
from handlers.types import Community, Ctx, Inbound, Kind, Reply, neutral_reply

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from handlers.forms.engine import Form
    from handlers.i18n import Language

Handler = Callable[[Ctx, str], None]
ButtonHandler = Callable[[Ctx, Any], None]  # (ctx, the parsed payload of its type)
#: (ctx, the parsed start link of its type, or None for a forged one of its prefix)
LinkHandler = Callable[[Ctx, Any], None]
TextHandler = Callable[[Ctx], bool]
#: Takes the person's message for one record the service awaits an answer about (``db/awaiting``);
#: True if it took it.
AnswerTaker = Callable[[Ctx, int], bool]
#: The record's reference as the person knows it ("#R-0042"), or None when it no longer waits
#: for their words (finished, or not theirs): the awaited answer is then dropped.
AnswerLabel = Callable[[Ctx, int], str | None]
Template = Callable[["Language", Any], Reply]  # (lang, its declared params, read back typed)
#: A periodic job over the database: expire offers, escalate what waited too long. It gets its
#: own transaction (the sweeper commits), the community and the current time, and writes any
#: message through the outbox. It must be idempotent: the next run sees what this one did.
Sweep = Callable[["Session", Community, datetime], None]


@dataclass(frozen=True, slots=True)
class Rule:
    """Who may use an entry point and where, declared where it is registered and enforced by
    the dispatcher before the handler runs (``handlers/access.py``). The one stored form of a
    permission: commands, buttons and deep links all carry one."""

    role: str | None = None  # only those who act as this role (admins act as every role)
    refusal: str | None = None  # msgid said to anyone else (default: ``access.REFUSALS``)
    private_only: bool = False  # a staff view or a personal one: never shown in a group
    private_hint: str | None = None  # msgid said in a group instead (default: a pointer)
    #: For a button: the deep-link payload (``dp_c42``) that opens the same thing in a
    #: private chat, from the parsed button payload; a link button is shown.
    private_link: Callable[[Any], str | None] | None = None
    #: Refused to anyone holding a staff role (``refusal`` says why): erasing oneself, whose
    #: work belongs to the community's records until an admin takes the role away.
    not_for_staff: bool = False
    #: A person's rights over their own data (see it, erase it; PIPL art. 44–47) hold even
    #: when an admin has blocked them: the block lets these through.
    blocked_ok: bool = False


@dataclass(frozen=True, slots=True)
class TemplateRoute:
    """An outbox template: its declared parameters (which name it) and how it is rendered."""

    kind: type[Params]
    render: Template


@dataclass(frozen=True, slots=True)
class ButtonRoute:
    """A payload type, its handler and who may press it."""

    kind: type[Payload]
    handler: ButtonHandler
    rule: Rule | None = None


@dataclass(frozen=True, slots=True)
class LinkRoute:
    """A start link type, its handler and who may open it."""

    kind: type[StartLink]
    handler: LinkHandler
    rule: Rule | None = None


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: Handler
    description: str | None  # msgid for the command menu; None keeps it out of the menu
    rule: Rule = Rule()

    @property
    def role(self) -> str | None:
        """Only those who act as this role may use it (None: everyone)."""
        return self.rule.role

    @property
    def private_only(self) -> bool:
        return self.rule.private_only


@dataclass(frozen=True, slots=True)
class Awaits:
    """A service that asks people things outside a form and takes their answers: free text
    goes to it when it is the one awaited answer (``handlers/answers.py``)."""

    service: str  # the ``service`` of its awaited answers ("rq", "dp")
    take: AnswerTaker
    label: AnswerLabel
    kinds: frozenset[Kind] = frozenset({Kind.TEXT})  # what it can take (a photo, a file…)
    #: Of several of its records awaiting this person, those their message may be for (the
    #: relay: a volunteer's current request); default all.
    narrow: Callable[[Ctx, list[int]], list[int]] | None = None


@dataclass(slots=True)
class Router:
    """The entry points of one flow module."""

    name: str
    commands: dict[str, Command] = field(default_factory=dict)
    buttons: dict[type[Payload], ButtonRoute] = field(default_factory=dict)
    deep_links: dict[type[StartLink], LinkRoute] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    templates: dict[str, TemplateRoute] = field(default_factory=dict)
    #: Templates sent only to staff (volunteers, mediators, organisers, admins): their strings
    #: may use staff words (案件); every other template may reach a resident.
    staff_templates: set[str] = field(default_factory=set)
    text_handlers: list[TextHandler] = field(default_factory=list)
    #: Handlers that know a message by its form (a check-in code) and take it before any
    #: conversation does (``handlers/answers.py``); each says False for anything else.
    first_text_handlers: list[TextHandler] = field(default_factory=list)
    awaits: dict[str, Awaits] = field(default_factory=dict)
    sweeps: dict[str, Sweep] = field(default_factory=dict)
    #: What runs after a handler that called ``ctx.completed()`` (``on_completed``).
    completed_hooks: list[Callable[[Ctx], None]] = field(default_factory=list)

    def command(
        self, *names: str, description: str | None = None, **rule: Any
    ) -> Callable[[Handler], Handler]:
        """Register ``/name`` (the first name carries the menu description); ``role=``,
        ``private_only=``… (see ``Rule``) say who may use it and where."""

        def register(handler: Handler) -> Handler:
            for index, name in enumerate(names):
                self.commands[name] = Command(
                    name, handler, description if index == 0 else None, Rule(**rule)
                )
            return handler

        return register

    def button(self, *kinds: type[Payload], **rule: Any) -> Callable[[Any], Any]:
        """Register the handler of buttons carrying ``kinds`` (payload types); it is called
        as ``handler(ctx, payload)`` with the parsed payload. ``role=``, ``private_only=``…
        (see ``Rule``) say who may press them and where."""

        def register(handler: Any) -> Any:
            for kind in kinds:
                if kind in self.buttons:
                    raise ValueError(f"{self.name} registers {kind.__qualname__} twice")
                self.buttons[kind] = ButtonRoute(kind, handler, Rule(**rule) if rule else None)
            return handler

        return register

    def deep_link(self, kind: type[StartLink], **rule: Any) -> Callable[[Any], Any]:
        """Register the handler of ``/start`` links of type ``kind`` (Telegram's
        t.me/bot?start=ev_42); it is called as ``handler(ctx, link)`` with the parsed link, or
        None for a forged one of its prefix that no type reads. ``role=``, ``private_only=``…
        as for buttons."""

        def register(handler: Any) -> Any:
            if kind in self.deep_links:
                raise ValueError(f"{self.name} registers {kind.__qualname__} twice")
            self.deep_links[kind] = LinkRoute(kind, handler, Rule(**rule) if rule else None)
            return handler

        return register

    def template(
        self, kind: type[Params], *, staff: bool = False
    ) -> Callable[[Template], Template]:
        """Register the outbox template whose parameters ``kind`` declares (and names); it is
        called as ``render(lang, params)`` with the row read back as a ``kind``, in the
        recipient's language, when sent. ``staff=True`` when only staff ever receive it (the
        catalog checks read this)."""

        def register(render: Template) -> Template:
            if not kind.template:
                raise TypeError(f"{kind.__qualname__} declares no template name")
            if kind.template in self.templates:
                raise ValueError(f"{self.name} registers template {kind.template} twice")
            self.templates[kind.template] = TemplateRoute(kind, render)
            if staff:
                self.staff_templates.add(kind.template)
            return render

        return register

    def sweep(self, name: str) -> Callable[[Sweep], Sweep]:
        """Register a periodic job (``bot/sweeper.py`` runs each one every few seconds)."""

        def register(job: Sweep) -> Sweep:
            self.sweeps[name] = job
            return job

        return register

    def form(self, form: Form) -> Form:
        self.forms[form.name] = form
        return form

    def on_text(self, handler: TextHandler) -> TextHandler:
        """Register a handler for messages outside any form that no awaited answer took; it
        returns True if it took the message."""
        self.text_handlers.append(handler)
        return handler

    def on_text_first(self, handler: TextHandler) -> TextHandler:
        """Register a handler for messages outside any form that it recognises by their form
        alone (six digits of a check-in code while the person is in a shift): it is asked
        before replies and awaited answers, and returns True only if it took the message."""
        self.first_text_handlers.append(handler)
        return handler

    def on_completed(self, hook: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        """Register what follows any service's completed action (``ctx.completed()``), after
        that handler's own answer: one service's step after another's, without either
        importing the other."""
        self.completed_hooks.append(hook)
        return hook

    def awaits_answer(
        self,
        service: str,
        *,
        label: AnswerLabel,
        kinds: Iterable[Kind] = (Kind.TEXT,),
        narrow: Callable[[Ctx, list[int]], list[int]] | None = None,
    ) -> Callable[[AnswerTaker], AnswerTaker]:
        """Register what takes the answers this service awaits (``db.awaiting.wait``)."""

        def register(take: AnswerTaker) -> AnswerTaker:
            if service in self.awaits:
                raise ValueError(f"{self.name} awaits answers for {service!r} twice")
            self.awaits[service] = Awaits(service, take, label, frozenset(kinds), narrow)
            return take

        return register


class Registry:
    """All routers merged; a name registered twice is a programming error caught at start."""

    def __init__(self, routers: Iterable[Router]) -> None:
        self.routers = tuple(routers)
        self.commands: dict[str, Command] = {}
        self.buttons: dict[tuple[str, str], ButtonRoute] = {}
        self.payloads = Catalog()  # refuses a (prefix, action) or alias declared twice
        self.deep_links: dict[type[StartLink], LinkRoute] = {}
        self.start_links = StartLinks()  # refuses a (prefix, tag) declared twice
        self.forms: dict[str, Form] = {}
        self.templates: dict[str, TemplateRoute] = {}
        self.staff_templates: set[str] = set()
        self.text_handlers: list[TextHandler] = []
        self.first_text_handlers: list[TextHandler] = []
        self.sweeps: dict[str, Sweep] = {}
        self.awaits: dict[str, Awaits] = {}
        self.completed_hooks: list[Callable[[Ctx], None]] = []
        kinds = ("commands", "deep_links", "forms", "templates", "sweeps", "awaits")
        for router in self.routers:
            for route in router.buttons.values():
                self.payloads.add(route.kind)
                for action in route.kind.wire_actions():
                    self.buttons[(route.kind.prefix, action)] = route
            for link in router.deep_links:
                self.start_links.add(link)
            for kind in kinds:
                mine, theirs = getattr(self, kind), getattr(router, kind)
                clash = mine.keys() & theirs.keys()
                if clash:
                    raise ValueError(f"{router.name} registers {kind} twice: {sorted(clash)}")
                mine.update(theirs)
            self.staff_templates |= router.staff_templates
            self.text_handlers.extend(router.text_handlers)
            self.first_text_handlers.extend(router.first_text_handlers)
            self.completed_hooks.extend(router.completed_hooks)

    def open_to_blocked(self, inbound: Inbound) -> bool:
        """Whether a blocked person's message may still be routed: a command or a button
        whose rule says ``blocked_ok`` (their own data)."""
        if inbound.kind is Kind.COMMAND:
            command = self.commands.get(inbound.command or "")
            return command is not None and command.rule.blocked_ok
        if inbound.kind is Kind.BUTTON:
            found = self.button(inbound.payload or "")
            return found is not None and found[0].rule is not None and found[0].rule.blocked_ok
        return False

    def button(self, text: str) -> tuple[ButtonRoute, Payload] | None:
        """The route of a pressed payload and the payload parsed, or None when no registered
        type reads it (stale, forged, malformed)."""
        payload = self.payloads.parse(text)
        if payload is None:
            return None
        return self.buttons[(payload.prefix, payload.action)], payload

    def start_link(self, text: str) -> tuple[LinkRoute, StartLink | None] | None:
        """The route of a ``/start`` payload and the link parsed (None: forged, for its
        prefix's last type to answer), or None when no type has its prefix."""
        found = self.start_links.parse(text)
        if found is None:
            return None
        kind, link = found
        return self.deep_links[kind], link

    @property
    def button_routes(self) -> list[ButtonRoute]:
        """Every registered payload type once, with its handler and rule."""
        return list({route.kind: route for route in self.buttons.values()}.values())

    def menu_commands(self) -> list[Command]:
        """The commands shown in a transport's command menu, in registration order."""
        return [command for command in self.commands.values() if command.description]

    def render(self, template: str, lang: Language, params: dict[str, Any]) -> Reply:
        """A stored row rendered: its params read back as the template's declared type (a row
        an older release queued too), then the template in ``lang``."""
        try:
            route = self.templates[template]
        except KeyError:
            raise LookupError(f"no outbox template named {template!r}") from None
        typed = route.kind.from_json(params)
        return neutral_reply(route.render(lang, typed), lang.gettext)  # nameless: the neutral word
