"""Every ``LINLI_*`` setting with its default and meaning (the README's table is checked against
``VARIABLES`` by a test), and the groups of settings that map onto the community's fields.
``bot.config`` reads and checks them."""

from __future__ import annotations

TELEGRAM_API = "https://api.telegram.org"

#: name → (default shown in the README, meaning)
VARIABLES: dict[str, tuple[str, str]] = {
    "LINLI_TELEGRAM_TOKEN": ("(unset)", "Bot token from @BotFather. Unset: the console chat."),
    "LINLI_TELEGRAM_BASE_URL": (
        TELEGRAM_API,
        "Bot API server, for a self-hosted Bot API server (or the test stand-in).",
    ),
    "LINLI_DATABASE_URL": (
        "sqlite:///data/linli.db",
        "SQLAlchemy URL. PostgreSQL: postgresql+psycopg://user@host:5432/linli",
    ),
    "LINLI_TIMEZONE": ("Asia/Shanghai", "The community's time zone (IANA name)."),
    "LINLI_DEFAULT_LOCALE": (
        "zh_Hans",
        "Language for people whose app does not say theirs: zh_Hans, zh_Hant or en.",
    ),
    "LINLI_ADMINS": (
        "(none)",
        "Admins, separated by commas: Telegram user ids and/or Matrix ids (@li:example.org).",
    ),
    "LINLI_WEBHOOK_SECRET": (
        "(derived from the token)",
        "Secret Telegram sends with each webhook request.",
    ),
    "LINLI_WEBHOOK_LISTEN": ("127.0.0.1", "Address the webhook server listens on."),
    "LINLI_WEBHOOK_PORT": ("8443", "Port the webhook server listens on."),
    "LINLI_OUTBOX_INTERVAL": ("2", "Seconds between outbox runs."),
    "LINLI_EVENT_REMINDERS": (
        "24h,2h",
        "When attendees are reminded before an event: durations (s, m, h, d) by commas.",
    ),
    "LINLI_SERVICE_HOURS": (
        "09:00-21:00",
        "The volunteer team's hours (community time): no alerts and no escalation clock outside.",
    ),
    "LINLI_HOLIDAYS": (
        "cn",
        "cn: the volunteer team is closed on China's public holidays (make-up days open); off.",
    ),
    "LINLI_QUIET_HOURS": (
        "22:00-08:00",
        "Community notices wait until these hours end (community time); urgent safety ones not.",
    ),
    "LINLI_VOLUNTEER_CHAT_ID": (
        "(unset)",
        "Telegram id of the volunteer team's group, if not bound with /bind volunteers.",
    ),
    "LINLI_MEDIATOR_CHAT_ID": (
        "(unset)",
        "Telegram id of the mediators' group, if not bound with /bind mediators.",
    ),
    "LINLI_DISPUTE_ACK_WITHIN": (
        "24h",
        "A dispute report not acknowledged within this is escalated to admins.",
    ),
    "LINLI_DISPUTE_FOLLOWUP_AFTER": (
        "3d",
        "How long after a case is resolved the reporter is asked if the problem is solved.",
    ),
    "LINLI_REQUEST_CLAIM_WITHIN": (
        "30m",
        "A help request nobody claimed within this (service hours) is announced again.",
    ),
    "LINLI_REQUEST_URGENT_CLAIM_WITHIN": ("10m", "The same for urgent help requests."),
    "LINLI_REQUEST_ADMINS_AFTER": (
        "2h",
        "A help request still unclaimed after this (service hours): admins are told.",
    ),
    "LINLI_REQUEST_REMIND_AFTER": (
        "24h",
        "A volunteer silent this long in a claimed request (service hours) is reminded.",
    ),
    "LINLI_REQUEST_SILENT_ADMINS_AFTER": (
        "48h",
        "A volunteer silent this long (service hours): admins are told.",
    ),
    "LINLI_OUTBOX_KEEP": (
        "30d",
        "Sent and failed outbox messages lose what they said (their parameters) after this.",
    ),
    "LINLI_CASE_KEEP": (
        "365d",
        "Closed help requests and dispute cases lose what people wrote this long after closure.",
    ),
    "LINLI_LIMIT_OPEN_REQUESTS": (
        "3",
        "Help requests one person may have open at once (0: no limit).",
    ),
    "LINLI_LIMIT_REPORTS_PER_DAY": (
        "5",
        "Dispute reports one person may file in 24 hours (0: no limit).",
    ),
    "LINLI_LIMIT_SIGNUPS_PER_HOUR": (
        "10",
        "Event signups one person may make in an hour (0: no limit).",
    ),
    "LINLI_FLOOD_LIMIT": (
        "20",
        "Messages one person may send in 10 seconds, counted across every worker.",
    ),
    "LINLI_TARGET_REQUEST_CLAIM": (
        "(LINLI_REQUEST_CLAIM_WITHIN)",
        "Report target: a help request claimed within this (service hours).",
    ),
    "LINLI_TARGET_DISPUTE_ACK": (
        "(LINLI_DISPUTE_ACK_WITHIN)",
        "Report target: a dispute report acknowledged within this.",
    ),
    "LINLI_TARGET_REQUEST_RESOLVE": (
        "(LINLI_REQUEST_SILENT_ADMINS_AFTER)",
        "Report target: a help request resolved within this (service hours).",
    ),
    "LINLI_TARGET_DISPUTE_RESOLVE": ("7d", "Report target: a dispute resolved within this."),
    "LINLI_TARGET_SHARE": (
        "90%",
        "Report target: the share of requests and reports that should meet each target.",
    ),
    "LINLI_MONTHLY_REPORT": (
        "on",
        "on or off: every admin gets last month's report on the first working day at 09:00.",
    ),
    "LINLI_HOURS_ROUNDING": (
        "15,30",
        "Volunteer hours: under the first number of minutes count 0, then the nearest step of "
        "the second (15,30: half hours).",
    ),
    "LINLI_CERTIFICATE_ISSUER": (
        "邻里社区 Linli Community",
        "Who issues volunteers' certificates: the community that recorded the hours.",
    ),
    "LINLI_HOURS_COLUMNS": (
        "name,phone,activity,date,hours",
        "The monthly hours export's columns, in order: name, phone, activity, role, date, "
        "start, end, hours, organiser, makeup.",
    ),
    "LINLI_LOG_LEVEL": ("INFO", "DEBUG, INFO, WARNING or ERROR."),
    "LINLI_DATA_DIR": (
        "data",
        "Where the bot keeps its files (the Matrix device's keys and sync token).",
    ),
    "LINLI_MATRIX_HOMESERVER": (
        "(unset)",
        "Matrix homeserver URL (https://matrix.example.org). Unset: no Matrix.",
    ),
    "LINLI_MATRIX_USER": ("(unset)", "The bot's Matrix id, e.g. @linli:example.org."),
    "LINLI_MATRIX_PASSWORD": ("(unset)", "The bot account's password (used once, to log in)."),
    "LINLI_MATRIX_ACCESS_TOKEN": ("(unset)", "Or an access token instead of the password."),
}

#: Per-person limits: variable → Community field, default.
LIMITS = (
    ("LINLI_LIMIT_OPEN_REQUESTS", "limit_open_requests", "3"),
    ("LINLI_LIMIT_REPORTS_PER_DAY", "limit_reports_per_day", "5"),
    ("LINLI_LIMIT_SIGNUPS_PER_HOUR", "limit_signups_per_hour", "10"),
)

#: The report's targets: variable → Community field, the setting whose value is the default.
TARGETS = (
    ("LINLI_TARGET_REQUEST_CLAIM", "target_request_claim", "LINLI_REQUEST_CLAIM_WITHIN"),
    ("LINLI_TARGET_DISPUTE_ACK", "target_dispute_ack", "LINLI_DISPUTE_ACK_WITHIN"),
    ("LINLI_TARGET_REQUEST_RESOLVE", "target_request_resolve", "LINLI_REQUEST_SILENT_ADMINS_AFTER"),
    ("LINLI_TARGET_DISPUTE_RESOLVE", "target_dispute_resolve", None),
)

#: The help requests' escalation clocks: variable → Community field, default.
REQUEST_CLOCKS = (
    ("LINLI_REQUEST_CLAIM_WITHIN", "request_claim_within", "30m"),
    ("LINLI_REQUEST_URGENT_CLAIM_WITHIN", "request_urgent_claim_within", "10m"),
    ("LINLI_REQUEST_ADMINS_AFTER", "request_admins_after", "2h"),
    ("LINLI_REQUEST_REMIND_AFTER", "request_remind_after", "24h"),
    ("LINLI_REQUEST_SILENT_ADMINS_AFTER", "request_silent_admins_after", "48h"),
)
