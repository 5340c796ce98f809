"""Every ``LINLI_*`` setting, declared once: its name, how it is read (its type, ``bot.readers``),
its default, what it means, and where it goes — a field of the community the handlers see
(``Community``), or a setting of the bot itself (``Settings.<name without LINLI_, lower
case>``). ``bot.config.load_settings`` reads them from this table; the README's configuration
table is checked against it by a test (``tests/test_config.py``).

Adding a setting is one entry here (and its row in the README): ``Variable(name, default,
reader, meaning, community="field")``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import readers as read
from bot.readers import Reader
from handlers.workdays import HOLIDAY_CALENDARS

TELEGRAM_API = "https://api.telegram.org"
#: The columns the monthly hours export can have (``handlers/volunteering/export.py``).
HOURS_COLUMNS = (
    "name", "phone", "activity", "role", "date", "start", "end", "hours", "organiser", "makeup",
)  # fmt: skip
_TOKEN = r"^\d+:[A-Za-z0-9_-]{10,}$"
_SECRET = r"^[A-Za-z0-9_-]{1,256}$"


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    #: The text read when the variable is unset ("": unset). ``=LINLI_X``: the value of
    #: ``LINLI_X`` (declared earlier in the table).
    default: str
    read: Reader
    meaning: str
    #: The ``Community`` field it sets (``team_chats.volunteers``: a key of that mapping);
    #: None: a setting of the bot (``Settings``).
    community: str | None = None
    #: The default as the README's table shows it, when that is not ``default`` itself.
    shown: str | None = None

    @property
    def attribute(self) -> str:
        """Its name on ``Settings``: ``LINLI_DATA_DIR`` → ``data_dir``."""
        return self.name.removeprefix("LINLI_").lower()

    @property
    def readme_default(self) -> str:
        if self.shown is not None:
            return self.shown
        if self.default.startswith("="):
            return f"`{self.default[1:]}`"
        return f"`{self.default}`" if self.default else "(unset)"


V = Variable
# One line per variable (fmt: off keeps it so): adding one is a one-line change.
# fmt: off
VARIABLES: tuple[Variable, ...] = (
    V("LINLI_TELEGRAM_TOKEN", "", read.matching(_TOKEN, "does not look like a bot token (123456:ABC…)"), "Bot token from @BotFather. Unset: the console chat."),
    V("LINLI_TELEGRAM_BASE_URL", TELEGRAM_API, read.url, "Bot API server, for a self-hosted Bot API server (or the test stand-in)."),
    V("LINLI_DATABASE_URL", "", read.database_url, "SQLAlchemy URL. PostgreSQL: postgresql+psycopg://user@host:5432/linli", shown="`sqlite:///data/linli.db`"),
    V("LINLI_TIMEZONE", "Asia/Shanghai", read.zone, "The community's time zone (IANA name)."),
    V("LINLI_DEFAULT_LOCALE", "zh_Hans", read.locale, "Language for people whose app does not say theirs: zh_Hans, zh_Hant or en."),
    V("LINLI_ADMINS", "", read.admins, "Admins, separated by commas: Telegram user ids and/or Matrix ids (@li:example.org).", shown="(none)"),
    V("LINLI_WEBHOOK_SECRET", "", read.matching(_SECRET, "may use only A-Z, a-z, 0-9, _ and - (1–256)"), "Secret Telegram sends with each webhook request.", shown="derived from the token"),
    V("LINLI_WEBHOOK_LISTEN", "127.0.0.1", read.text, "Address the webhook server listens on."),
    V("LINLI_WEBHOOK_PORT", "8443", read.port, "Port the webhook server listens on."),
    V("LINLI_OUTBOX_INTERVAL", "2", read.seconds(0.05, 3600), "Seconds between outbox runs."),
    V("LINLI_EVENT_REMINDERS", "24h,2h", read.durations, "When attendees are reminded before an event: durations (s, m, h, d) by commas.", community="event_reminders"),
    V("LINLI_SERVICE_HOURS", "09:00-21:00", read.hours(wraps=False), "The volunteer team's hours (community time): no alerts and no escalation clock outside.", community="service_hours"),
    V("LINLI_HOLIDAYS", "cn", read.one_of(HOLIDAY_CALENDARS), "cn: the volunteer team is closed on China's public holidays (make-up days open); off.", community="holidays"),
    V("LINLI_QUIET_HOURS", "22:00-08:00", read.hours(wraps=True), "Community notices wait until these hours end (community time); urgent safety ones not.", community="quiet_hours"),
    V("LINLI_VOLUNTEER_CHAT_ID", "", read.chat_id, "Telegram id of the volunteer team's group, if not bound with /bind volunteers.", community="team_chats.volunteers"),
    V("LINLI_MEDIATOR_CHAT_ID", "", read.chat_id, "Telegram id of the mediators' group, if not bound with /bind mediators.", community="team_chats.mediators"),
    V("LINLI_DISPUTE_ACK_WITHIN", "24h", read.duration, "A dispute report not acknowledged within this is escalated to admins.", community="dispute_ack_within"),
    V("LINLI_DISPUTE_FOLLOWUP_AFTER", "3d", read.duration, "How long after a case is resolved the reporter is asked if the problem is solved.", community="dispute_followup_after"),
    V("LINLI_REQUEST_CLAIM_WITHIN", "30m", read.duration, "A help request nobody claimed within this (service hours) is announced again.", community="request_claim_within"),
    V("LINLI_REQUEST_URGENT_CLAIM_WITHIN", "10m", read.duration, "The same for urgent help requests.", community="request_urgent_claim_within"),
    V("LINLI_REQUEST_ADMINS_AFTER", "2h", read.duration, "A help request still unclaimed after this (service hours): admins are told.", community="request_admins_after"),
    V("LINLI_REQUEST_REMIND_AFTER", "24h", read.duration, "A volunteer silent this long in a claimed request (service hours) is reminded.", community="request_remind_after"),
    V("LINLI_REQUEST_SILENT_ADMINS_AFTER", "48h", read.duration, "A volunteer silent this long (service hours): admins are told.", community="request_silent_admins_after"),
    V("LINLI_OUTBOX_KEEP", "30d", read.duration, "Sent and failed outbox messages lose what they said (their parameters) after this.", community="outbox_keep"),
    V("LINLI_CASE_KEEP", "365d", read.duration, "Closed help requests and dispute cases lose what people wrote this long after closure.", community="case_keep"),
    V("LINLI_LIMIT_OPEN_REQUESTS", "3", read.number(), "Help requests one person may have open at once (0: no limit).", community="limit_open_requests"),
    V("LINLI_LIMIT_REPORTS_PER_DAY", "5", read.number(), "Dispute reports one person may file in 24 hours (0: no limit).", community="limit_reports_per_day"),
    V("LINLI_LIMIT_SIGNUPS_PER_HOUR", "10", read.number(), "Event signups one person may make in an hour (0: no limit).", community="limit_signups_per_hour"),
    V("LINLI_LIMIT_ANONYMOUS_REPORTS_PER_HOUR", "10", read.number(), "Anonymous dispute reports the whole community may file in an hour (0: no limit).", community="limit_anonymous_reports_per_hour"),
    V("LINLI_FLOOD_LIMIT", "20", read.number(1), "Messages one person may send in 10 seconds, counted across every worker."),
    V("LINLI_TARGET_REQUEST_CLAIM", "=LINLI_REQUEST_CLAIM_WITHIN", read.duration, "Report target: a help request claimed within this (service hours).", community="target_request_claim"),
    V("LINLI_TARGET_DISPUTE_ACK", "=LINLI_DISPUTE_ACK_WITHIN", read.duration, "Report target: a dispute report acknowledged within this.", community="target_dispute_ack"),
    V("LINLI_TARGET_REQUEST_RESOLVE", "=LINLI_REQUEST_SILENT_ADMINS_AFTER", read.duration, "Report target: a help request resolved within this (service hours).", community="target_request_resolve"),
    V("LINLI_TARGET_DISPUTE_RESOLVE", "7d", read.duration, "Report target: a dispute resolved within this.", community="target_dispute_resolve"),
    V("LINLI_TARGET_SHARE", "90%", read.share, "Report target: the share of requests and reports that should meet each target.", community="target_share"),
    V("LINLI_MONTHLY_REPORT", "on", read.on_off, "on or off: every admin gets last month's report on the first working day at 09:00.", community="monthly_report"),
    V("LINLI_HOURS_ROUNDING", "15,30", read.minutes_pair, "Volunteer hours: under the first number of minutes count 0, then the nearest step of the second (15,30: half hours).", community="hours_rounding"),
    V("LINLI_CERTIFICATE_ISSUER", "邻里社区 Linli Community", read.clipped(100), "Who issues volunteers' certificates: the community that recorded the hours.", community="certificate_issuer"),
    V("LINLI_HOURS_COLUMNS", "name,phone,activity,date,hours", read.names_from(HOURS_COLUMNS), "The monthly hours export's columns, in order: name, phone, activity, role, date, start, end, hours, organiser, makeup.", community="hours_columns"),
    V("LINLI_LOG_LEVEL", "INFO", read.one_of(("DEBUG", "INFO", "WARNING", "ERROR"), upper=True), "DEBUG, INFO, WARNING or ERROR."),
    V("LINLI_DATA_DIR", "data", read.folder, "Where the bot keeps its files (the Matrix device's keys and sync token)."),
    V("LINLI_MATRIX_HOMESERVER", "", read.url, "Matrix homeserver URL (https://matrix.example.org). Unset: no Matrix."),
    V("LINLI_MATRIX_USER", "", read.text, "The bot's Matrix id, e.g. @linli:example.org."),
    V("LINLI_MATRIX_PASSWORD", "", read.optional, "The bot account's password (used once, to log in)."),
    V("LINLI_MATRIX_ACCESS_TOKEN", "", read.optional, "Or an access token instead of the password."),
    V("LINLI_MATRIX_ALLOWED_SERVERS", "", read.servers, "Homeservers whose people may use the bot, by commas (example.org); unset: the bot's own server. Others are refused."),
)
# fmt: on

BY_NAME = {variable.name: variable for variable in VARIABLES}
