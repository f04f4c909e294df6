"""A year's cycle as an iCalendar feed (RFC 5545), for subscribing from a calendar program: one
all-day event per step over its planned dates, and one per occasion deadline per level.

Each event's UID is made of the year, the step number or the occasion's kind and level: it stays
the same when the dates move, so a subscribed calendar updates the event instead of adding a
second one; SEQUENCE (the row version) tells it which copy is newer."""

import datetime as dt

from icalendar import Calendar, Event

from followup_service.cycle import template
from followup_service.cycle.models import CycleStep, Occasion

PRODID = "-//Styrkedjan//Årshjul//SV"
UID_DOMAIN = "followup.styrkedjan"
KIND_NAMES = {"FORECAST": "Resultatprognos", "INTERIM": "Delårsrapport", "ANNUAL": "Årsrapport/årsredovisning"}
DEADLINE_NAMES = {
    "unit_deadline": "enheterna lämnar",
    "administration_deadline": "förvaltningarna lämnar",
    "board_deadline": "nämnderna och bolagen beslutar",
    "executive_board_deadline": "kommunstyrelsen sammanställer",
    "council_deadline": "kommunfullmäktige fastställer",
}


def step_uid(year: int, number: int) -> str:
    return f"cycle-{year}-step-{number}@{UID_DOMAIN}"


def deadline_uid(year: int, kind: str, deadline: str) -> str:
    return f"cycle-{year}-{kind.lower()}-{deadline.removesuffix('_deadline').replace('_', '-')}@{UID_DOMAIN}"


def _event(uid: str, summary: str, start: dt.date, end: dt.date, description: str, sequence: int, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end + dt.timedelta(days=1))  # an all-day event's end is the day after its last
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    if description:
        event.add("description", description)
    return event


def cycle_calendar(year: int, steps: list[CycleStep], occasions: list[Occasion]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Årshjul {year}")
    for step in steps:
        description = "\n".join(
            part
            for part in (step.question, f"Inflöde: {step.inflow}" if step.inflow else "", f"Resultat: {step.result}" if step.result else "",
                         f"Ansvar: {step.responsible}" if step.responsible else "", f"Status: {step.status}")
            if part
        )  # fmt: skip
        summary = f"{step.number}. {step.name_sv}"
        calendar.add_component(
            _event(
                step_uid(year, step.number), summary, step.planned_start, step.planned_end, description, step.row_version, step.updated_at
            )
        )
    for occasion in occasions:
        for name in template.DEADLINE_FIELDS:
            day = getattr(occasion, name)
            summary = f"{KIND_NAMES.get(occasion.kind, occasion.kind)} {occasion.year}: {DEADLINE_NAMES[name]}"
            description = f"Perioden 1 januari – {occasion.period_end.isoformat()}"
            calendar.add_component(
                _event(
                    deadline_uid(occasion.year, occasion.kind, name),
                    summary,
                    day,
                    day,
                    description,
                    occasion.row_version,
                    occasion.updated_at,
                )
            )
    ical: bytes = calendar.to_ical()
    return ical
