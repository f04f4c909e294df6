"""The dialogues as a report shows them: the org unit's dialogues of the occasion (not cancelled
ones, nor another unit's or occasion's), and the follow-ups still open on the report's date."""

import datetime as dt
import uuid
from typing import Any

from followup_service.dialogues import for_reports
from followup_service.dialogues.models import Dialogue, DialogueFollowup
from services.followup.tests.support.dialogues import BOARD, OFFICIAL, OTHER_BOARD, POLITICIAN, YEAR, add_occasion


async def _dialogue(app: Any, occasion_id: uuid.UUID | None, org_unit_id: str, status: str, **fields: Any) -> Dialogue:
    dialogue = Dialogue(
        year=YEAR,
        kind="FOLLOWUP",
        org_unit_id=uuid.UUID(org_unit_id),
        occasion_id=occasion_id,
        title=fields.pop("title", "Uppföljningsdialog"),
        planned_date=fields.pop("planned_date", dt.date(YEAR, 9, 15)),
        status=status,
        participants=[POLITICIAN, OFFICIAL],
        created_by="test",
        updated_by="test",
        **fields,
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(dialogue)
    return dialogue


async def _followup(app: Any, dialogue: Dialogue, due: dt.date, done_on: dt.date | None = None) -> DialogueFollowup:
    followup = DialogueFollowup(
        dialogue_id=dialogue.id,
        org_unit_id=dialogue.org_unit_id,
        text="Ta fram en åtgärdsplan för hemtjänstens ekonomi",
        owner="Förvaltningschefen",
        due_date=due,
        done_on=done_on,
        created_by="test",
        updated_by="test",
    )
    async with app.state.sessionmaker() as session, session.begin():
        session.add(followup)
    return followup


async def test_the_report_shows_the_units_dialogues_of_the_occasion_in_date_order(client, app):
    interim = await add_occasion(app, "INTERIM")
    annual = await add_occasion(app, "ANNUAL")
    held = await _dialogue(app, interim, BOARD, "HELD", held_date=dt.date(YEAR, 9, 16), summary="Samsyn om prioriteringar")
    planned = await _dialogue(app, interim, BOARD, "PLANNED", title="Intern uppföljning", planned_date=dt.date(YEAR, 9, 1))
    await _dialogue(app, interim, BOARD, "CANCELLED", cancel_reason="Krockade med nämndsmöte")
    await _dialogue(app, interim, OTHER_BOARD, "HELD", held_date=dt.date(YEAR, 9, 16))
    await _dialogue(app, annual, BOARD, "HELD", held_date=dt.date(YEAR, 9, 16))
    agreed = await _followup(app, held, dt.date(YEAR, 11, 30))

    async with app.state.sessionmaker() as session:
        shown = await for_reports.dialogues_of_occasion(session, interim, uuid.UUID(BOARD))

    assert [d["id"] for d in shown] == [str(planned.id), str(held.id)]
    assert [(d["status"], d["held"]) for d in shown] == [("PLANNED", False), ("HELD", True)]
    assert shown[1]["held_date"] == "2026-09-16" and shown[1]["summary"] == "Samsyn om prioriteringar"
    assert shown[1]["participants"] == [POLITICIAN, OFFICIAL]
    assert [f["id"] for f in shown[1]["followups"]] == [str(agreed.id)]
    assert shown[1]["followups"][0]["due_date"] == "2026-11-30"


async def test_open_followups_are_those_agreed_by_the_date_and_not_done_by_then(client, app):
    interim = await add_occasion(app, "INTERIM")
    spring = await _dialogue(app, interim, BOARD, "EVALUATED", held_date=dt.date(YEAR, 3, 10), evaluation="Bra samtal")
    autumn = await _dialogue(app, interim, BOARD, "HELD", held_date=dt.date(YEAR, 9, 16))
    elsewhere = await _dialogue(app, interim, OTHER_BOARD, "HELD", held_date=dt.date(YEAR, 3, 10))
    overdue = await _followup(app, spring, dt.date(YEAR, 6, 30))
    done_later = await _followup(app, spring, dt.date(YEAR, 10, 31), done_on=dt.date(YEAR, 10, 1))
    await _followup(app, spring, dt.date(YEAR, 5, 31), done_on=dt.date(YEAR, 5, 20))  # done before the period ended
    await _followup(app, autumn, dt.date(YEAR, 12, 31))  # agreed after the period ended: the next report's
    await _followup(app, elsewhere, dt.date(YEAR, 6, 30))

    async with app.state.sessionmaker() as session:
        shown = await for_reports.open_followups(session, [uuid.UUID(BOARD)], dt.date(YEAR, 8, 31))
        none = await for_reports.open_followups(session, [], dt.date(YEAR, 8, 31))

    assert [f["id"] for f in shown] == [str(overdue.id), str(done_later.id)]
    assert [f["overdue"] for f in shown] == [True, False]
    assert shown[0]["dialogue_title"] == "Uppföljningsdialog" and shown[0]["dialogue_held_date"] == "2026-03-10"
    assert shown[1]["done_on"] == "2026-10-01"
    assert none == []
