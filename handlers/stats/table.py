"""The 五及 report as a CSV for the street office's spreadsheets: every number in the picture,
one per row (measure, item, value, unit), labelled in the reader's language. Durations are
minutes and shares percentages, as plain numbers a spreadsheet can sum."""

from __future__ import annotations

from handlers.common import pick_text
from handlers.csvfile import csv_attachment
from handlers.i18n import Language
from handlers.stats import labels as L
from handlers.stats.measures import Report, Timing
from handlers.stats.picture import target_rows
from handlers.types import Attachment

Row = tuple[str, str, str, str]


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def _pct(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.1f}"


def rows(report: Report, lang: Language) -> list[Row]:
    """Every row of the CSV, in the order of the picture."""
    _ = lang.gettext
    names = dict(L.MEASURES)
    know, answer, help_, settle, talk = (_(names[k]) for k in dict(L.MEASURES))
    count, pct = _("count"), _("%")
    out: list[Row] = [
        (know, _("Help requests received"), str(report.requests), count),
        (know, _("Reports received"), str(report.reports), count),
    ]
    for key, n in report.requests_by_category.items():
        category = L.request_category(lang, key)
        out.append((know, _("Help: {category}").format(category=category), str(n), count))
    for key, n in report.reports_by_category.items():
        category = L.dispute_category(lang, key)
        out.append((know, _("Report: {category}").format(category=category), str(n), count))
    for place, n in report.reports_by_place.items():
        out.append((know, _("Reports at {place}").format(place=place), str(n), count))
    out += [
        (
            know,
            _("Reports elsewhere, or at a building fewer than 3 people reported"),
            str(report.reports_elsewhere),
            count,
        ),
        (know, _("Events held"), str(report.events_held), count),
        (know, _("Signed up for them"), str(report.signups), count),
        (know, _("Notices sent"), str(report.notices_sent), count),
        (know, _("Neighbours reached by notices"), str(report.notices_reached), count),
    ]
    for name_zh, name_en, booked, used in report.rooms_used:
        room = pick_text(lang.code, name_zh, name_en)
        out.append((know, _("{room}: hours booked").format(room=room), f"{booked:g}", "h"))
        out.append((know, _("{room}: hours used").format(room=room), f"{used:g}", "h"))
    out += _timing(lang, answer, _("Help requests claimed"), report.claim)
    out += _timing(lang, answer, _("Reports acknowledged"), report.ack)
    out += _timing(lang, help_, _("Help requests resolved"), report.resolve)
    average = report.rating_average
    out.append((help_, _("Volunteer hours given"), f"{report.volunteer_hours:g}", _("hours")))
    out.append((help_, _("People who gave them"), str(report.volunteers), count))
    out.append((help_, _("Average rating"), "" if average is None else f"{average:.2f}", ""))
    for stars, n in report.ratings.items():
        out.append((help_, _("Rated {stars} of 5").format(stars=stars), str(n), count))
    out += _timing(lang, settle, _("Disputes settled"), report.settle)
    out += [
        (settle, _("Follow-up: solved"), str(report.followup_yes), count),
        (settle, _("Follow-up: not solved"), str(report.followup_no), count),
        (settle, _("Solved when asked afterwards"), _pct(report.solved_share), pct),
        (settle, _("Reopened"), str(report.reopened), count),
    ]
    for spot in report.hotspots:
        name = spot.key if spot.kind == "place" else L.dispute_category(lang, spot.key)
        out.append((talk, _("Hot spot: {name}").format(name=name), str(spot.count), count))
        out.append(
            (
                talk,
                _("The period before: {name}").format(name=name),
                "<3" if spot.previous is None else str(spot.previous),
                count,
            )
        )
    for label, share, _n in target_rows(report, lang):
        out.append((_("Against the targets"), label, _pct(share), pct))
    out.append((_("Against the targets"), _("Target share"), _pct(report.targets["share"]), pct))
    trend = _("The last 12 weeks")
    for week in report.trend:
        day = week.start
        out += [
            (trend, _("{week}: help requests").format(week=day), str(week.requests), count),
            (trend, _("{week}: reports").format(week=day), str(week.reports), count),
            (trend, _("{week}: claimed in time").format(week=day), _pct(week.claim_share), pct),
            (trend, _("{week}: acknowledged in time").format(week=day), _pct(week.ack_share), pct),
        ]
    return out


def _timing(lang: Language, measure: str, what: str, timing: Timing) -> list[Row]:
    _ = lang.gettext
    count, minutes, pct = _("count"), _("minutes"), _("%")
    return [
        (measure, what, str(timing.count), count),
        (measure, _("{what}: median").format(what=what), _minutes(timing.median), minutes),
        (measure, _("{what}: 90th percentile").format(what=what), _minutes(timing.p90), minutes),
        (measure, _("{what}: within the target").format(what=what), _pct(timing.share), pct),
    ]


def attachment(report: Report, lang: Language, filename: str) -> Attachment:
    """The CSV file (UTF-8 with a BOM, for Excel)."""
    _ = lang.gettext
    header = (_("Measure"), _("Item"), _("Value"), _("Unit"))
    return csv_attachment(filename, header, rows(report, lang))
