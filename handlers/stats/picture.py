"""The layout of the 五及 report's picture: the five measures (cards), the shares against the
targets, the received requests and reports by category, the last 12 weeks, and the hot spots —
labelled in the reader's language. matplotlib's object API (no pyplot, no display); the PNG is
made by ``handlers.stats.render``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.i18n import N_, Language
from handlers.stats import labels as L
from handlers.stats.font import fonts
from handlers.stats.measures import Report, Timing
from handlers.stats.periods import Period

if TYPE_CHECKING:  # matplotlib is heavy: loaded when drawing, not at start
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GOOD, SHORT, BLUE, ORANGE, GREY, INK = "#2e7d32", "#e65100", "#1f5f99", "#d9822b", "#b0b7bf", "#222"

TITLE = N_('"Five in time" report: {period}')
SUBTITLE = N_("How the community keeps its promise of timely answers, measured by Linli.")
FOOTNOTE = N_(
    "Help requests are timed in service hours only ({hours}). A place is named only when it is "
    "one of the community's buildings and at least 3 different people reported it; smaller "
    "counts of the period before are hidden. Numbers only: no names, no text of any request or "
    "report."
)


def draw(report: Report, lang: Language) -> Figure:
    """The figure (for ``png``, and for tests that read every text on it)."""
    from matplotlib.figure import Figure  # heavy: loaded when drawing, not at start

    with fonts():
        figure = Figure(figsize=(14, 10.5), dpi=100, facecolor="white")
        _ = lang.gettext
        period = Period(report.kind, _iso(report.start), _iso(report.end))
        figure.text(
            0.03, 0.955, _(TITLE).format(period=L.period_name(lang, period)), fontsize=20, color=INK
        )
        figure.text(0.03, 0.925, _(SUBTITLE), fontsize=11, color="#555")
        cards = figure.add_gridspec(1, 5, left=0.03, right=0.97, top=0.9, bottom=0.735, wspace=0.06)
        for index, (key, title) in enumerate(L.MEASURES):
            _card(figure.add_subplot(cards[0, index]), _(title), _card_lines(report, lang, key))
        left = figure.add_gridspec(2, 1, left=0.05, right=0.45, top=0.67, bottom=0.1, hspace=0.5)
        right = figure.add_gridspec(2, 1, left=0.64, right=0.97, top=0.67, bottom=0.1, hspace=0.5)
        _targets(figure.add_subplot(left[0, 0]), report, lang)
        _received(figure.add_subplot(right[0, 0]), report, lang)
        _trend(figure.add_subplot(left[1, 0]), report, lang)
        _hotspots(figure.add_subplot(right[1, 0]), report, lang)
        figure.text(
            0.03,
            0.01,
            _(FOOTNOTE).format(hours=report.service_hours),
            fontsize=9,
            color="#555",
            va="bottom",
            wrap=True,  # two lines where the language needs them
        )
        figure.canvas.draw_idle()
    return figure


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def _card(ax: Axes, title: str, lines: list[str]) -> None:
    ax.set_axis_off()
    ax.add_patch(_box(ax))
    ax.text(0.05, 0.93, title, fontsize=11, color=BLUE, transform=ax.transAxes, va="top")
    for index, line in enumerate(lines):
        size = 15 if index == 0 else 8.5
        y = 0.74 if index == 0 else 0.5 - 0.105 * (index - 1)
        ax.text(0.05, y, line, fontsize=size, color=INK, transform=ax.transAxes, va="top")


def _box(ax: Axes):
    from matplotlib.patches import FancyBboxPatch  # heavy: loaded when drawing

    return FancyBboxPatch(
        (0.01, 0.01),
        0.98,
        0.98,
        boxstyle="round,pad=0,rounding_size=0.04",
        transform=ax.transAxes,
        facecolor="#f3f6f9",
        edgecolor="#d5dde5",
    )


def _within(lang: Language, timing: Timing, target: float) -> str:
    return lang.gettext("Within {target}: {share}").format(
        target=L.duration(lang, target), share=L.percent(lang, timing.share)
    )


def _spread(lang: Language, timing: Timing) -> str:
    return lang.gettext("Median {median} · 90% within {p90}").format(
        median=L.duration(lang, timing.median), p90=L.duration(lang, timing.p90)
    )


def _card_lines(report: Report, lang: Language, key: str) -> list[str]:
    """The headline and the few numbers under each measure's name."""
    _ = lang.gettext
    goal = report.targets
    notices = _("Notices sent {sent}, neighbours reached {reached}").format(
        sent=report.notices_sent, reached=report.notices_reached
    )
    if key == "know":
        return [
            _("{count} received").format(count=L.number(lang, report.requests + report.reports)),
            _("Help requests: {requests} · Reports: {reports}").format(
                requests=report.requests, reports=report.reports
            ),
            _("Events: {events} · Signed up: {people}").format(
                events=report.events_held, people=L.number(lang, report.signups)
            ),
            notices,
            *_rooms_line(report, lang),
        ]
    if key == "answer":
        return [
            L.percent(lang, report.claim.share),
            _("Claimed within {target}: {share}").format(
                target=L.duration(lang, goal["request_claim"]),
                share=L.percent(lang, report.claim.share),
            ),
            _spread(lang, report.claim),
            _("Acknowledged within {target}: {share}").format(
                target=L.duration(lang, goal["dispute_ack"]),
                share=L.percent(lang, report.ack.share),
            ),
            _spread(lang, report.ack),
        ]
    if key == "help":
        return [
            _("{count} resolved").format(count=report.resolve.count),
            _within(lang, report.resolve, goal["request_resolve"]),
            _spread(lang, report.resolve),
            _("Rating {average} from {count}").format(
                average=L.number(lang, report.rating_average, 1), count=sum(report.ratings.values())
            ),
            _("Volunteer hours: {hours} · Volunteers: {people}").format(
                hours=L.number(lang, report.volunteer_hours, 1), people=report.volunteers
            ),
        ]
    if key == "settle":
        return [
            _("{count} settled").format(count=report.settle.count),
            _within(lang, report.settle, goal["dispute_resolve"]),
            _("Solved at follow-up: {share}").format(share=L.percent(lang, report.solved_share)),
            _("Reopened: {count}").format(count=report.reopened),
        ]
    rising = sum(spot.rising for spot in report.hotspots)
    top = report.hotspots[0] if report.hotspots else None
    return [
        lang.ngettext("{count} hot spot", "{count} hot spots", len(report.hotspots)).format(
            count=len(report.hotspots)
        ),
        _("Rising since last time: {count}").format(count=rising),
        _("Most reported: {name}").format(name=_spot_name(lang, top.kind, top.key))
        if top
        else _("Most reported: none"),
    ]


def _rooms_line(report: Report, lang: Language) -> list[str]:
    """Rooms used: hours booked and checked in, over every room (none: no line)."""
    if not report.rooms_used:
        return []
    booked = sum(row[2] for row in report.rooms_used)
    used = sum(row[3] for row in report.rooms_used)
    return [
        lang.gettext("Rooms: {booked} h booked · {used} h used").format(
            booked=L.number(lang, booked, 1), used=L.number(lang, used, 1)
        )
    ]


def plain(text: str) -> str:
    """``text`` drawn as written: a ``$`` would otherwise start matplotlib's mathtext
    (``$\\x$`` fails to draw, and breaks the picture)."""
    return text.replace("$", r"\$")


def _spot_name(lang: Language, kind: str, key: str) -> str:
    return plain(key) if kind == "place" else L.dispute_category(lang, key)


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=12.5, color=INK, pad=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=9)


def target_rows(report: Report, lang: Language) -> list[tuple[str, float | None, int]]:
    """(label, share, how many) for each bar of "against the targets" (the CSV has them too)."""

    def within(label: str, target: str, timing: Timing) -> tuple[str, float | None, int]:
        """A timing against its target: ``label`` names the target's duration."""
        duration = L.duration(lang, report.targets[target])
        return lang.gettext(label).format(target=duration), timing.share, timing.judged

    return [
        within(N_("Requests claimed within {target}"), "request_claim", report.claim),
        within(N_("Reports acknowledged within {target}"), "dispute_ack", report.ack),
        within(N_("Requests resolved within {target}"), "request_resolve", report.resolve),
        within(N_("Disputes settled within {target}"), "dispute_resolve", report.settle),
        (
            lang.gettext("Solved when asked afterwards"),
            report.solved_share,
            report.followup_yes + report.followup_no,
        ),
    ]


def _targets(ax: Axes, report: Report, lang: Language) -> None:
    _ = lang.gettext
    rows = target_rows(report, lang)
    goal = report.targets["share"]
    ys = list(range(len(rows)))[::-1]
    shares = [(row[1] or 0) * 100 for row in rows]
    colours = [GREY if r[1] is None else GOOD if r[1] >= goal else SHORT for r in rows]
    ax.barh(ys, shares, color=colours, height=0.45)
    ax.axvline(goal * 100, color=INK, linestyle="--", linewidth=1)
    ax.text(
        goal * 100,
        -0.75,
        _("Target {share}").format(share=L.percent(lang, goal)),
        fontsize=8.5,
        ha="center",
        va="top",
        color=INK,
    )
    for y, (label, share, count) in zip(ys, rows, strict=True):
        ax.text(0, y + 0.3, label, fontsize=9, color=INK, va="bottom")
        text = _("{share} of {count}").format(share=L.percent(lang, share), count=count)
        ax.text(min((share or 0) * 100, 100) + 1, y, text, va="center", fontsize=9, color=INK)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_ylim(-1.2, len(rows) - 0.1)
    ax.set_xlim(0, 120)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    _style(ax, _("Against the targets"))


def _received(ax: Axes, report: Report, lang: Language) -> None:
    _ = lang.gettext
    names, values, colours = [], [], []
    for key, count in report.requests_by_category.items():
        names.append(_("Help: {category}").format(category=L.request_category(lang, key)))
        values.append(count)
        colours.append(BLUE)
    for key, count in report.reports_by_category.items():
        names.append(_("Report: {category}").format(category=L.dispute_category(lang, key)))
        values.append(count)
        colours.append(ORANGE)
    ax.barh(names[::-1], values[::-1], color=colours[::-1], height=0.65)
    for y, value in enumerate(values[::-1]):
        ax.text(value, y, f" {value}", va="center", fontsize=8, color=INK)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.xaxis.get_major_locator().set_params(integer=True)
    _style(ax, _("Received, by kind"))


def _trend(ax: Axes, report: Report, lang: Language) -> None:
    _ = lang.gettext
    weeks = report.trend
    xs = list(range(len(weeks)))
    requests = [w.requests for w in weeks]
    ax.bar(xs, requests, color=BLUE, label=_("Help requests"), width=0.7)
    ax.bar(
        xs, [w.reports for w in weeks], bottom=requests, color=ORANGE, label=_("Reports"), width=0.7
    )
    ax.set_xticks(xs, [L.short_date(lang, w.start) for w in weeks], fontsize=8, rotation=45)
    ax.set_ylabel(_("Received per week"), fontsize=9)
    share = ax.twinx()
    for attr, colour, label in (
        ("claim_share", "#0b3d66", _("Claimed in time")),
        ("ack_share", "#8a4b08", _("Acknowledged in time")),
    ):
        points = [
            (x, getattr(w, attr) * 100)
            for x, w in zip(xs, weeks, strict=True)
            if getattr(w, attr) is not None
        ]
        if points:
            share.plot(*zip(*points, strict=True), color=colour, marker="o", label=label)
    share.axhline(report.targets["share"] * 100, color=INK, linestyle="--", linewidth=1)
    share.set_ylim(0, 140)
    share.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    share.set_ylabel(_("In time"), fontsize=9)
    share.tick_params(labelsize=8)
    share.spines["top"].set_visible(False)
    handles = ax.get_legend_handles_labels()
    more = share.get_legend_handles_labels()
    ax.legend(
        handles[0] + more[0],
        handles[1] + more[1],
        fontsize=8,
        loc="upper left",
        ncols=4,
        frameon=False,
        columnspacing=1,
    )
    ax.set_ylim(0, max([r + w.reports for r, w in zip(requests, weeks, strict=True)] + [1]) * 1.6)
    _style(ax, _("The last 12 weeks"))


def _hotspots(ax: Axes, report: Report, lang: Language) -> None:
    _ = lang.gettext
    _style(ax, _("Hot spots: reported again and again"))
    spots = report.hotspots
    if not spots:
        ax.set_axis_off()
        ax.text(
            0,
            0.5,
            _("No building or kind of problem was reported by 3 or more people."),
            fontsize=10,
            color="#555",
            transform=ax.transAxes,
        )
        return
    names = [_spot_name(lang, s.kind, s.key) for s in spots][::-1]
    ax.barh(
        names,
        [s.previous or 0 for s in spots][::-1],
        color=GREY,
        height=0.75,
        label=_("The period before"),
    )
    ax.barh(names, [s.count for s in spots][::-1], color=SHORT, height=0.4, label=_("This period"))
    for y, spot in enumerate(spots[::-1]):
        mark = _("▲ rising") if spot.rising else ""
        ax.text(
            max(spot.count, spot.previous or 0),
            y,
            f" {spot.count} {mark}",
            va="center",
            fontsize=9,
            color=SHORT if spot.rising else INK,
        )
    ax.set_xlim(0, max(max(s.count, s.previous or 0) for s in spots) * 1.35)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, loc="lower right", frameon=False)
