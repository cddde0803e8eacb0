"""Checks the rules-as-data documents under Schemas/ (catalog, calendars, JSON Schemas).

Run from the repository root: python3 -m pytest -q Tests/schemas
Needs jsonschema (>= 4.18, for referencing) and pytest from PyPI.
"""

import datetime
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "Schemas"
EXAMPLES = Path(__file__).resolve().parent / "examples"
# CI clones the repository with shared/ beside it, as on the development machine.
HOLIDAY_CN = REPO.parent / "shared" / "reference" / "holiday-cn"

EVENT_TYPES = [
    "catalog.adopted", "calendar.adopted", "publication.recorded", "task.completed",
    "meeting.held", "inquiry.received", "inquiry.extended", "inquiry.paused",
    "inquiry.resumed", "inquiry.correction-requested", "inquiry.correction-received",
    "inquiry.replied", "notice.issued", "interview.held", "event.voided",
]

# DESIGN.md section 1, the obligations table (pinned): kind, period or due date, units.
ALL = ["townships", "departments"]
PINNED_OBLIGATIONS = {
    "T01": ("periodic", "month", ALL),
    "T02": ("periodic", "month", ["fgw", "gxj", "xzspj"]),
    "T03": ("periodic", "month", ["fgw", "sfj", "scjgj", "rsj", "czj", "gxj", "xzspj", "swj", "jrfw"]),
    "T04a": ("periodic", "year", ALL),
    "T04b": ("periodic", "quarter", ["czj", "sjj"]),
    "T04c": ("periodic", "year", ["czj"]),
    "T05": ("periodic", "month", ["rsj", "jktj", "fgw", "ybj", "mzj", "zrzyj", "zjj", "wgxlj", "tyjrswj",
                                  "wjw", "scjgj", "nyncj", "xczxj", "xzspj", "jycyfwzx", "ggzyjyzx"]),
    "T06a": ("deadline", "2023-10-30", ALL),
    "T06b": ("deadline", "2023-11-30", ALL),
    "T07": ("deadline", "2023-10-30", ["zfb", "shexi"]),
    "T08a": ("periodic", "quarter", ["townships"]),
    "T08b": ("deadline", "2023-12-31", ["townships"]),
    "T09": ("deadline", "2023-07-30", ALL),
    "T10": ("deadline", "2023-10-30", ALL),
    "T11": ("deadline", "2023-10-30", ["xzspj"]),
    "T12": ("deadline", "2023-10-30", ALL),
    "T13": ("deadline", "2023-10-30", ["xzspj", "townships"]),
    "T14": ("deadline", "2023-10-30", ALL),
    "T15": ("deadline", "2023-10-30", ALL),
    "T16": ("deadline", "2023-08-30", ALL),
    "T17": ("reply", (5, 3, 0, ["hotline", "mailbox", "online"]), ALL),
    "T18a": ("deadline", "2023-06-30", ALL),
    "T18b": ("reply", (20, 7, 20, ["application"]), ALL),
    "M1": ("meeting", ("report-heard", "quarter"), ALL),
    "M2": ("meeting", ("special-study", "half"), ALL),
}

# DESIGN.md section 1, the units table (pinned), in table order.
PINNED_TOWNSHIPS = [
    ("dongshan", "东山镇"), ("doushui", "陡水镇"), ("shexi", "社溪镇"), ("yingqian", "营前镇"),
    ("huangbu", "黄埠镇"), ("sixia", "寺下镇"), ("meishui", "梅水乡"), ("youshi", "油石乡"),
    ("anhe", "安和乡"), ("shuangxi", "双溪乡"), ("shuiyan", "水岩乡"), ("pingfu", "平富乡"),
    ("ziyang", "紫阳乡"), ("wuzhifeng", "五指峰乡"),
]
PINNED_DEPARTMENTS = [
    ("fgw", "县发改委"), ("jrfw", "县金融服务中心"), ("gxj", "县工信局"), ("xzspj", "县行政审批局"),
    ("sfj", "县司法局"), ("scjgj", "县市场监督管理局"), ("rsj", "县人社局"), ("czj", "县财政局"),
    ("swj", "县商务局"), ("sjj", "县审计局"), ("jktj", "县教科体局"), ("ybj", "县医保局"),
    ("mzj", "县民政局"), ("zrzyj", "县自然资源局"), ("zjj", "县住建局"), ("wgxlj", "县文广新旅局"),
    ("tyjrswj", "县退役军人事务局"), ("wjw", "县卫健委"), ("nyncj", "县农业农村局"),
    ("xczxj", "县乡村振兴局"), ("jycyfwzx", "县就业创业服务中心"), ("ggzyjyzx", "县公共资源交易中心"),
    ("zfb", "县政府办"),
]

# DESIGN.md section 1, the holiday table (pinned): the notice of each shipped year.
PINNED_NOTICES = {
    2023: "国办发明电〔2022〕16号",
    2024: "国办发明电〔2023〕7号",
    2025: "国办发明电〔2024〕12号",
    2026: "国办发明电〔2025〕7号",
}


def load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def schema_files():
    return sorted(SCHEMAS.glob("*.schema.json")) + sorted((SCHEMAS / "events").glob("*.schema.json"))


def build_registry():
    resources = []
    for path in schema_files():
        schema = load(path)
        relative = path.relative_to(SCHEMAS).as_posix()
        # Relative $ids name each file by its path under Schemas/, so relative $refs resolve.
        assert schema.get("$id") == relative, f"{relative}: $id is {schema.get('$id')!r}"
        resources.append((relative, Resource.from_contents(schema, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = build_registry()


def validator(name):
    return Draft202012Validator(REGISTRY.contents(name), registry=REGISTRY)


def event_validator(event_type):
    return validator(f"events/{event_type}.schema.json")


def errors(schema_name, instance):
    return [e.message for e in validator(schema_name).iter_errors(instance)]


def days_of(year):
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += datetime.timedelta(days=1)


def expand(ranges):
    days = set()
    for start, end in ranges:
        day, last = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
        assert day <= last, f"range {start}..{end} is reversed"
        while day <= last:
            days.add(day)
            day += datetime.timedelta(days=1)
    return days


# --- the schemas themselves -------------------------------------------------------------

@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.relative_to(SCHEMAS).as_posix())
def test_schema_is_valid_2020_12(path):
    schema = load(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_one_schema_per_event_type():
    shipped = {p.name.removesuffix(".schema.json") for p in (SCHEMAS / "events").glob("*.schema.json")}
    assert shipped == set(EVENT_TYPES) | {"common"}


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_schema_shape(event_type):
    schema = REGISTRY.contents(f"events/{event_type}.schema.json")
    assert schema["additionalProperties"] is False
    assert schema["properties"]["type"] == {"const": event_type}
    required = set(schema["required"])
    assert {"id", "type"} <= required
    has_unit = event_type not in ("catalog.adopted", "calendar.adopted", "event.voided")
    assert ("unit" in schema["properties"]) == has_unit
    assert ("unit" in required) == has_unit
    assert ("at" in required) == (event_type not in ("catalog.adopted", "calendar.adopted"))
    for optional in ("note", "url", "at"):
        assert optional in schema["properties"]


def test_every_object_schema_rejects_unknown_fields():
    def walk(node, where):
        if isinstance(node, dict):
            if "properties" in node:
                assert node.get("additionalProperties") is False, f"{where} allows unknown fields"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    for path in schema_files():
        walk(load(path), path.name)


# --- example events ---------------------------------------------------------------------

VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def test_examples_cover_every_type():
    assert {load(p)["type"] for p in VALID} == set(EVENT_TYPES)
    assert len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example(path):
    event = load(path)
    problems = [e.message for e in event_validator(event["type"]).iter_errors(event)]
    assert problems == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example(path):
    event = load(path)
    assert event["type"] in EVENT_TYPES, "invalid examples must fail on content, not on type"
    assert not event_validator(event["type"]).is_valid(event)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_no_other_schema_either(path):
    event = load(path)
    for event_type in EVENT_TYPES:
        assert not event_validator(event_type).is_valid(event)


@pytest.mark.parametrize("text", [
    "2023-05-06", "2023-05-06T10:00:00+08:00", "2023-05-06T02:00:00Z", "2023-05-06t02:00:00z",
    "2023-05-06T10:00:00.123456+08:00", "2023-12-31T23:59:60Z", "2023-05-06T10:00:00-05:30",
])
def test_at_accepts(text):
    assert errors("events/task.completed.schema.json",
                  {"id": "a", "type": "task.completed", "unit": "czj", "at": text, "obligation": "T06a"}) == []


@pytest.mark.parametrize("text", [
    "2023-5-6", "20230506", "2023-00-10", "2023-05-32", "2023-05-06T24:00:00Z", "2023-05-06T10:00Z",
    "2023-05-06T10:00:00+0800", "2023-05-06T10:00:00+08", "2023-05-06T10:00:00.Z", " 2023-05-06",
    "2023-05-06\n", "２０２３-05-06", "",
])
def test_at_rejects(text):
    assert errors("events/task.completed.schema.json",
                  {"id": "a", "type": "task.completed", "unit": "czj", "at": text, "obligation": "T06a"}) != []


def test_id_length_bounds():
    event = {"id": "界" * 128, "type": "interview.held", "unit": "sixia", "at": "2023-09-12"}
    assert errors("events/interview.held.schema.json", event) == []
    event["id"] += "界"
    assert errors("events/interview.held.schema.json", event) != []


@pytest.mark.parametrize("field,value", [("id", "abc\n"), ("obligation", "T06a\n"), ("at", "2023-05-06\n")])
def test_trailing_newline_rejected(field, value):
    # Python's re lets $ match before a final newline; the patterns end in $(?!\n) to agree with ECMA-262.
    event = {"id": "a", "type": "task.completed", "unit": "czj", "at": "2023-05-06", "obligation": "T06a"}
    event[field] = value
    assert errors("events/task.completed.schema.json", event) != []


def test_extension_days_bounds():
    for days, ok in [(1, True), (20, True), (21, False), (0, False), (-1, False)]:
        event = {"id": "e", "type": "inquiry.extended", "unit": "czj", "at": "2023-04-20", "inquiry": "a", "days": days}
        assert (errors("events/inquiry.extended.schema.json", event) == []) == ok, days


# --- the shipped catalog ----------------------------------------------------------------

CATALOG_PATH = SCHEMAS / "catalogs" / "shangyou-2023.json"


def test_catalog_files_validate():
    paths = sorted((SCHEMAS / "catalogs").glob("*.json"))
    assert CATALOG_PATH in paths
    for path in paths:
        assert errors("catalog.schema.json", load(path)) == [], path.name


def test_catalog_adopted_event_carries_the_shipped_catalog():
    event = {"id": "seed-catalog", "type": "catalog.adopted", "catalog": load(CATALOG_PATH)}
    assert errors("events/catalog.adopted.schema.json", event) == []


def catalog_problems(catalog):
    """The cross-references a JSON Schema cannot check."""
    problems = []
    unit_ids = [unit["id"] for unit in catalog["units"]]
    if len(unit_ids) != len(set(unit_ids)):
        problems.append("unit ids repeat")
    names = [unit["name"] for unit in catalog["units"]]
    if len(names) != len(set(names)):
        problems.append("unit names repeat")
    if set(names) & set(unit_ids):
        problems.append("a unit name is also a unit id")
    groups = catalog["groups"]
    if set(groups) & set(unit_ids):
        problems.append("a group name is also a unit id")
    for group, members in groups.items():
        for member in members:
            if member not in unit_ids:
                problems.append(f"group {group}: {member} is not a unit id")
    obligation_ids = [ob["id"] for ob in catalog["obligations"]]
    if len(obligation_ids) != len(set(obligation_ids)):
        problems.append("obligation ids repeat")
    for ob in catalog["obligations"]:
        for entry in ob["units"]:
            if entry not in groups and entry not in unit_ids:
                problems.append(f"{ob['id']}: {entry} is neither a group nor a unit")
        if ob["kind"] == "deadline" and datetime.date.fromisoformat(ob["due"]).year != catalog["year"]:
            problems.append(f"{ob['id']}: due {ob['due']} outside the catalog year")
        if ob["kind"] == "reply" and ob["simpleLimitDays"] > ob["limitDays"]:
            problems.append(f"{ob['id']}: simple limit above the limit")
    rule_ids = [rule["id"] for rule in catalog["escalation"]["rules"]]
    if len(rule_ids) != len(set(rule_ids)):
        problems.append("escalation rule ids repeat")
    return problems


@pytest.mark.parametrize("path", sorted((SCHEMAS / "catalogs").glob("*.json")), ids=lambda p: p.stem)
def test_catalog_cross_references(path):
    assert catalog_problems(load(path)) == []


def _break_group_member(c): c["groups"]["townships"].append("nowhere")
def _break_obligation_unit(c): c["obligations"][1]["units"].append("county-office")
def _repeat_unit(c): c["units"].append(dict(c["units"][0]))
def _repeat_obligation(c): c["obligations"].append(dict(c["obligations"][0]))
def _due_next_year(c): next(o for o in c["obligations"] if o["kind"] == "deadline")["due"] = "2024-01-01"


@pytest.mark.parametrize("mutate", [
    _break_group_member, _break_obligation_unit, _repeat_unit, _repeat_obligation, _due_next_year,
])
def test_catalog_cross_reference_check_catches(mutate):
    catalog = load(CATALOG_PATH)
    mutate(catalog)
    assert catalog_problems(catalog) != []


def test_shangyou_units_are_the_pinned_ones():
    catalog = load(CATALOG_PATH)
    townships = [(u["id"], u["name"]) for u in catalog["units"] if u["kind"] == "township"]
    departments = [(u["id"], u["name"]) for u in catalog["units"] if u["kind"] == "department"]
    assert len(townships) == 14 and len(departments) == 23
    assert townships == PINNED_TOWNSHIPS
    assert departments == PINNED_DEPARTMENTS
    assert catalog["groups"] == {
        "townships": [i for i, _ in PINNED_TOWNSHIPS],
        "departments": [i for i, _ in PINNED_DEPARTMENTS],
    }


def test_shangyou_obligations_are_the_pinned_ones():
    catalog = load(CATALOG_PATH)
    assert catalog["catalog"] == "shangyou-2023" and catalog["year"] == 2023
    ids = [ob["id"] for ob in catalog["obligations"]]
    assert sorted(ids) == sorted(PINNED_OBLIGATIONS)
    for pinned in PINNED_OBLIGATIONS:
        assert ids.count(pinned) == 1, pinned
    for ob in catalog["obligations"]:
        kind, rule, units = PINNED_OBLIGATIONS[ob["id"]]
        assert ob["kind"] == kind, ob["id"]
        assert ob["units"] == units, ob["id"]
        assert ob["title"] and ob["requirement"], ob["id"]
        if kind == "periodic":
            assert (ob["period"], ob["minimum"]) == (rule, 1), ob["id"]
        elif kind == "deadline":
            assert ob["due"] == rule, ob["id"]
        elif kind == "reply":
            assert (ob["limitDays"], ob["simpleLimitDays"], ob["maxExtensionDays"], ob["channels"]) == rule, ob["id"]
        else:
            assert (ob["meeting"], ob["period"], ob["minimum"]) == (*rule, 1), ob["id"]


def test_shangyou_escalation_rules_are_the_pinned_ones():
    rules = load(CATALOG_PATH)["escalation"]["rules"]
    assert [(r["id"], r["levels"], r["threshold"]) for r in rules] == [
        ("E1", ["county"], 3), ("E2", ["city", "province"], 2),
    ]


def test_shangyou_texts_come_from_the_notice():
    notice = (REPO.parent / "shared" / "seed" / "shangyou-2023-notice.txt").read_text(encoding="utf-8")
    compact = "".join(notice.split())
    catalog = load(CATALOG_PATH)
    assert "".join(catalog["source"].split()) in compact
    for ob in catalog["obligations"]:
        requirement = "".join(ob["requirement"].split())
        if ob["id"] == "M2":
            # One sentence of section 二 sets both meeting rules; M2 repeats its subject.
            subject, _, rule = requirement.partition("主要负责同志")
            assert subject + "主要负责同志" in compact and rule in compact, "M2: requirement not in the notice"
            continue
        assert requirement in compact, f"{ob['id']}: requirement not in the notice"
        base_title = ob["title"].split("（")[0]
        assert base_title in compact or ob["id"].startswith("M"), f"{ob['id']}: title not in the notice"
    for rule in load(CATALOG_PATH)["escalation"]["rules"]:
        assert rule["title"] in compact


# --- the shipped calendars --------------------------------------------------------------

CALENDARS = sorted((SCHEMAS / "calendars").glob("*.json"))


def test_calendars_shipped_for_every_pinned_year():
    assert {int(p.stem) for p in CALENDARS} == set(PINNED_NOTICES)


@pytest.mark.parametrize("path", CALENDARS, ids=lambda p: p.stem)
def test_calendar_validates(path):
    calendar = load(path)
    assert errors("calendar.schema.json", calendar) == []
    event = {"id": f"calendar-{path.stem}", "type": "calendar.adopted", **calendar}
    assert errors("events/calendar.adopted.schema.json", event) == []
    assert calendar["year"] == int(path.stem)
    assert calendar["notice"] == PINNED_NOTICES[calendar["year"]]


@pytest.mark.parametrize("path", CALENDARS, ids=lambda p: p.stem)
def test_calendar_is_consistent(path):
    calendar = load(path)
    year = calendar["year"]
    holidays = expand(calendar["holidays"])
    starts = [datetime.date.fromisoformat(start) for start, _ in calendar["holidays"]]
    assert starts == sorted(starts)
    assert sum(len(expand([r])) for r in calendar["holidays"]) == len(holidays), "holiday ranges overlap"
    for day in holidays:
        assert year - 1 <= day.year <= year + 1
    for text in calendar["workdays"]:
        day = datetime.date.fromisoformat(text)
        assert day.isoweekday() in (6, 7), f"make-up workday {day} is not a weekend day"
        assert day not in holidays
        assert day.year == year


@pytest.mark.parametrize("path", CALENDARS, ids=lambda p: p.stem)
def test_calendar_matches_holiday_cn_day_by_day(path):
    calendar = load(path)
    year = calendar["year"]
    reference_path = HOLIDAY_CN / f"{year}.json"
    assert reference_path.is_file(), f"missing reference data {reference_path}"
    reference = {datetime.date.fromisoformat(d["date"]): d["isOffDay"] for d in load(reference_path)["days"]}
    holidays = expand(calendar["holidays"])
    workdays = {datetime.date.fromisoformat(d) for d in calendar["workdays"]}
    assert holidays == {d for d, off in reference.items() if off}
    assert workdays == {d for d, off in reference.items() if not off}
    checked = 0
    for day in sorted(set(days_of(year)) | set(reference)):
        working = day in workdays or (day.isoweekday() <= 5 and day not in holidays)
        if day in reference:
            expected = not reference[day]
        else:
            expected = day.isoweekday() <= 5
        assert working == expected, f"{day}: shipped says working={working}, holiday-cn says {expected}"
        checked += 1
    assert checked >= 365
