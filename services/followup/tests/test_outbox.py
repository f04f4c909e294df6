"""The outbox: a notice is queued in the caller's transaction, once per event and recipient."""

import uuid
from typing import Any

import pytest

from followup_service.reminders.outbox import notify
from services.followup.tests.support.reminders import ADMINISTRATION, BOARD, OTHER_UNIT, UNIT, add_recipient, outbox, restore_replica

pytestmark = pytest.mark.usefixtures("client")


async def tell(
    app: Any, unit: str, key: str = "report-returned:1", subject: str = "Returned", body: str = "Please add the analysis."
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await notify(session, org_unit_id=uuid.UUID(unit), key=key, subject=subject, body=body)


async def test_a_notice_is_queued_once_for_each_recipient_of_the_org_unit(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await add_recipient(app, UNIT, "bitr.rektor@fagersta.example")
    await add_recipient(app, OTHER_UNIT, "rektor@kolback.example")

    await tell(app, UNIT)

    messages = await outbox(app)
    assert sorted(m.recipient for m in messages) == ["bitr.rektor@fagersta.example", "rektor@fagersta.example"]
    assert {(m.status, m.attempts, m.subject, m.body) for m in messages} == {("PENDING", 0, "Returned", "Please add the analysis.")}


async def test_the_same_event_told_again_queues_nothing_more_and_does_not_fail_the_transaction(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await tell(app, UNIT)

    async with app.state.sessionmaker() as session, session.begin():
        await notify(session, org_unit_id=uuid.UUID(UNIT), key="report-returned:1", subject="Returned", body="again")
        await notify(session, org_unit_id=uuid.UUID(UNIT), key="report-returned:1", subject="Returned", body="and again")

    messages = await outbox(app)
    assert [(m.recipient, m.body) for m in messages] == [("rektor@fagersta.example", "Please add the analysis.")]


async def test_a_recipient_added_later_gets_the_event_told_again_but_the_first_one_not_twice(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await tell(app, UNIT)
    await add_recipient(app, UNIT, "ny.rektor@fagersta.example")

    await tell(app, UNIT)

    assert sorted(m.recipient for m in await outbox(app)) == ["ny.rektor@fagersta.example", "rektor@fagersta.example"]


async def test_a_notice_rolled_back_with_the_change_it_tells_of_is_not_queued(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")

    with pytest.raises(RuntimeError):
        async with app.state.sessionmaker() as session, session.begin():
            await notify(session, org_unit_id=uuid.UUID(UNIT), key="report-returned:1", subject="Returned", body="text")
            raise RuntimeError("the change failed")

    assert await outbox(app) == []


async def test_an_org_unit_without_recipients_is_covered_by_its_nearest_ancestor_that_has_some(app: Any) -> None:
    await restore_replica(app)
    await add_recipient(app, BOARD, "nämndsekreterare@kommun.example")
    await add_recipient(app, ADMINISTRATION, "controller@buf.example")

    await tell(app, UNIT)

    assert [m.recipient for m in await outbox(app)] == ["controller@buf.example"]


async def test_nobody_to_tell_queues_nothing(app: Any) -> None:
    await restore_replica(app)

    await tell(app, UNIT)

    assert await outbox(app) == []


async def test_a_key_longer_than_the_column_is_kept_apart_from_another_with_the_same_start(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    start = "x" * 400

    await tell(app, UNIT, key=start + "1")
    await tell(app, UNIT, key=start + "2")
    await tell(app, UNIT, key=start + "1")

    keys = [m.key for m in await outbox(app)]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) <= 300 for k in keys)


async def test_a_subject_is_kept_on_one_line_as_a_mail_header_must_be(app: Any) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")

    await tell(app, UNIT, subject="Returned\r\nBcc: everyone@kommun.example")

    [message] = await outbox(app)
    assert message.subject == "Returned Bcc: everyone@kommun.example"
