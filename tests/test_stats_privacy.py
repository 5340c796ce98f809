"""The 五及 report cannot single anyone out: hot spots need three different people, places are
named only by the admins' building list, small counts of the period before are hidden, and
whatever is drawn is drawn as written (a ``$`` never starts matplotlib's mathtext)."""

from __future__ import annotations

import csv
import io

import pytest

from db.disputes.models import DisputeCase
from db.disputes.operations import place_key
from db.models import User
from db.notices.models import Building
from handlers.i18n import language
from handlers.stats import render, table
from handlers.stats.measures import Report, compute
from handlers.stats.periods import parse_month
from tests.stats_support import NOW, TZ, at

NOVEMBER = parse_month("2026-11")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DOOR = "5栋2单元 王先生家门口"


def _seed(session_factory, reports: list[tuple[int, int, str, str]], buildings=("5栋", "7栋")):
    """``reports``: (month, reporter 1–6, category, place as typed)."""
    with session_factory() as session, session.begin():
        people = [
            User(
                transport="telegram",
                external_id=str(7000 + n),
                display_name=f"Neighbour {n}",
                created_at=at(9, 1, 9),
            )
            for n in range(7)
        ]
        session.add_all(people)
        for name in buildings:
            session.add(Building(name=name, created_at=at(9, 1, 9)))
        session.flush()
        for index, (month, who, category, place) in enumerate(reports):
            created = at(month, 2 + index, 10)
            session.add(
                DisputeCase(
                    reporter_id=people[who].id,
                    anonymous=True,
                    category=category,
                    place_text=place,
                    place_key=place_key(place),
                    description="secret words",
                    status="new",
                    created_at=created,
                    updated_at=created,
                )
            )


def _month(session_factory, community) -> Report:
    with session_factory() as session, session.begin():
        return compute(session, community, NOVEMBER, NOW)


def _csv(report: Report, code: str) -> dict[str, str]:
    content = table.attachment(report, language(code, TZ.key), "x.csv").content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return {item: value for _measure, item, value, _unit in rows[1:]}


def _spots(report: Report) -> list[tuple[str, str, int, int | None]]:
    return [(s.kind, s.key, s.count, s.previous) for s in report.hotspots]


def test_three_reports_by_one_person_are_no_hot_spot(session_factory, community):
    _seed(session_factory, [(11, 1, "noise", "5栋")] * 3 + [(11, 2, "noise", "5栋")])
    month = _month(session_factory, community)
    assert month.reports == 4
    assert month.hotspots == [] and month.reports_by_place == {}
    assert month.reports_elsewhere == 4
    for code, hidden in (
        ("en", "Reports elsewhere, or at a building fewer than 3 people reported"),
        ("zh_Hans", "其他地点或不足 3 位居民反映的楼栋的反映"),
    ):
        numbers = _csv(month, code)
        assert numbers[hidden] == "4"
        assert not any("5栋" in item for item in numbers)
    texts = " ".join(render.texts(month, language("zh_Hans", TZ.key)))
    assert "没有楼栋或问题类别被 3 位或以上居民反映。" in texts and "5栋" not in texts


def test_places_are_named_by_the_building_list_never_in_a_reporters_words(
    session_factory, community
):
    _seed(
        session_factory,
        [(11, 1, "noise", DOOR), (11, 2, "noise", "5 栋"), (11, 3, "pets", "5栋 3单元")]
        + [(11, n, "parking", "Gate 2 by the bins") for n in (4, 5, 6)],
    )
    month = _month(session_factory, community)
    assert month.reports_by_place == {"5栋": 3}  # not "Gate 2", not the door
    assert ("place", "5栋", 3, None) in _spots(month)
    for code, label in (("en", "Reports at 5栋"), ("zh_Hans", "5栋的反映")):
        numbers = _csv(month, code)
        assert numbers[label] == "3"
        assert not any("王先生" in item or "Gate 2" in item for item in numbers)
    for code in ("en", "zh_Hans"):
        texts = " ".join(render.texts(month, language(code, TZ.key)))
        assert "王先生" not in texts and "Gate" not in texts and "5栋" in texts


def test_small_counts_of_the_period_before_are_hidden(session_factory, community):
    now = [(11, n, "noise", "5栋") for n in (1, 2, 3)] + [(11, n, "pets", "7栋") for n in (1, 2, 3)]
    before = [(10, 4, "noise", "5栋"), (10, 4, "noise", "5栋")]  # one person, twice
    before += [(10, n, "pets", "7栋") for n in (4, 5, 6)]  # three people: shown
    _seed(session_factory, now + before)
    month = _month(session_factory, community)
    spots = {(kind, key): (count, previous) for kind, key, count, previous in _spots(month)}
    assert spots[("place", "5栋")] == (3, None) and spots[("category", "noise")] == (3, None)
    assert spots[("place", "7栋")] == (3, 3) and spots[("category", "pets")] == (3, 3)
    for code, before_5, before_7 in (
        ("en", "The period before: 5栋", "The period before: 7栋"),
        ("zh_Hans", "上期：5栋", "上期：7栋"),
    ):
        numbers = _csv(month, code)
        assert numbers[before_5] == "<3" and numbers[before_7] == "3"
    assert month.to_dict()["hotspots"][0]["previous"] in (None, 3)
    assert Report.from_dict(month.to_dict()).hotspots == month.hotspots


@pytest.mark.parametrize("code", ["en", "zh_Hans"])
def test_text_with_dollars_is_drawn_as_written(session_factory, community, code):
    weird = r"$\x$"
    _seed(
        session_factory,
        [(11, n, "noise", weird) for n in (1, 2, 3)]  # a reporter's words: never drawn
        + [(11, n, "pets", r"$\x$栋 1单元") for n in (4, 5, 6)],
        buildings=(r"$\x$栋",),  # an admin's building name: drawn, as written
    )
    month = _month(session_factory, community)
    assert month.reports_by_place == {r"$\x$栋": 3}
    lang = language(code, TZ.key)
    image = render.png(month, lang)
    assert image.startswith(PNG_SIGNATURE)
    assert render.picture(month.to_dict(), code, TZ.key).startswith(PNG_SIGNATURE)
    texts = render.texts(month, lang)
    assert any(r"\$\x\$栋" in t for t in texts)  # escaped: mathtext shows the dollars
