"""Reminder recipients, and the worker that sends the outbox over SMTP to a real local server."""

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from followup_service.main import create_app
from followup_service.reminders.mailer import SmtpMailer
from followup_service.reminders.models import OutboxMessage
from followup_service.reminders.outbox import notify
from followup_service.reminders.worker import deliver_due
from services.followup.tests.support.reminders import (
    API,
    BOARD,
    OTHER_BOARD,
    UNIT,
    Inbox,
    add_recipient,
    outbox,
    smtp_settings,
    stored,
)
from styrkedjan_common.db import create_engine, make_sessionmaker, utcnow
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import ORGANISATION, assert_problem, running

RECIPIENTS = f"{API}/reminder-recipients"
# Every test empties the tables after it (the client fixture does).
pytestmark = pytest.mark.usefixtures("client")


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = Inbox()
    server.start()
    yield server
    server.stop()


async def queue(
    app: Any, unit: str = UNIT, key: str = "report-returned:1", subject: str = "Returned", body: str = "Add the analysis."
) -> None:
    async with app.state.sessionmaker() as session, session.begin():
        await notify(session, org_unit_id=uuid.UUID(unit), key=key, subject=subject, body=body)


# --- recipients --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FULLMAKTIGE])
async def test_admin_and_the_council_name_who_receives_an_org_units_reminders(client: httpx.AsyncClient, as_role: Any, role: Role) -> None:
    created = await client.post(
        RECIPIENTS, json={"org_unit_id": BOARD, "email": "Registrator@BUN.Kommun.Example", "name": "Registrator"}, headers=as_role(role)
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["email"], body["org_unit"]["name"]) == ("Registrator@bun.kommun.example", "Barn- och utbildningsnämnden")
    assert created.headers["Location"] == f"{RECIPIENTS}/{body['id']}"
    listed = await client.get(RECIPIENTS, params={"org_unit_id": BOARD}, headers=as_role(role))
    assert [r["id"] for r in listed.json()["items"]] == [body["id"]]
    trail = await client.get(f"{API}/audit-events", params={"entity_type": "reminder_recipient"}, headers=as_role(Role.ADMIN))
    assert [e["action"] for e in trail.json()["items"]] == ["CREATE"]


async def test_a_removed_recipient_is_told_nothing_more(app: Any, client: httpx.AsyncClient, as_role: Any) -> None:
    created = (
        await client.post(RECIPIENTS, json={"org_unit_id": UNIT, "email": "rektor@fagersta.example"}, headers=as_role(Role.ADMIN))
    ).json()

    removed = await client.delete(f"{RECIPIENTS}/{created['id']}", headers=as_role(Role.FULLMAKTIGE))

    assert removed.status_code == 204
    assert (await client.get(f"{RECIPIENTS}/{created['id']}", headers=as_role(Role.ADMIN))).status_code == 404
    await queue(app)
    assert await outbox(app) == []


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR])
async def test_other_roles_may_not_name_recipients(app: Any, client: httpx.AsyncClient, as_role: Any, role: Role) -> None:
    before = await stored(app)

    response = await client.post(RECIPIENTS, json={"org_unit_id": BOARD, "email": "x@kommun.example"}, headers=as_role(role))

    assert_problem(response, 403, type_="role-not-allowed")
    assert (await client.get(RECIPIENTS, headers=as_role(role))).status_code == 403
    assert await stored(app) == before


async def test_the_council_names_recipients_only_in_its_scope(app: Any, client: httpx.AsyncClient, as_role: Any) -> None:
    other = await add_recipient(app, OTHER_BOARD, "kultur@kommun.example")
    before = await stored(app)
    scoped = as_role(Role.FULLMAKTIGE, BOARD, [BOARD])

    added = await client.post(RECIPIENTS, json={"org_unit_id": OTHER_BOARD, "email": "x@kommun.example"}, headers=scoped)
    removed = await client.delete(f"{RECIPIENTS}/{other}", headers=scoped)

    assert_problem(added, 403, "outside your scope")
    assert_problem(removed, 403, "outside your scope")
    assert (await client.get(RECIPIENTS, headers=scoped)).json()["items"] == []
    assert await stored(app) == before


@pytest.mark.parametrize(
    "email",
    [
        "no-at-sign.example",
        "two@@kommun.example",
        "a b@kommun.example",
        "x@kommun",
        "x@kommun.example\r\nBcc: all@kommun.example",
        ".x@kommun.example",
        "",
    ],
)
async def test_an_address_that_is_not_one_is_refused(app: Any, client: httpx.AsyncClient, as_role: Any, email: str) -> None:
    before = await stored(app)

    response = await client.post(RECIPIENTS, json={"org_unit_id": BOARD, "email": email}, headers=as_role(Role.ADMIN))

    problem = assert_problem(response, 422)
    assert "#/email" in {e["pointer"] for e in problem["errors"]}
    assert await stored(app) == before


async def test_an_org_unit_the_directory_does_not_know_or_that_is_closed_is_refused(
    app: Any, client: httpx.AsyncClient, as_role: Any
) -> None:
    closed = ORGANISATION.add("unit", "Nedlagd skola", parent=BOARD, valid_to=dt.date(2020, 12, 31))
    before = await stored(app)

    unknown = await client.post(
        RECIPIENTS, json={"org_unit_id": str(uuid.uuid4()), "email": "x@kommun.example"}, headers=as_role(Role.ADMIN)
    )
    gone = await client.post(RECIPIENTS, json={"org_unit_id": closed, "email": "x@kommun.example"}, headers=as_role(Role.ADMIN))

    assert_problem(unknown, 422, "is not in the directory")
    assert_problem(gone, 422, "is not valid on")
    assert await stored(app) == before


async def test_the_same_address_twice_for_one_org_unit_is_refused(app: Any, client: httpx.AsyncClient, as_role: Any) -> None:
    await add_recipient(app, BOARD, "registrator@kommun.example")
    before = await stored(app)

    response = await client.post(
        RECIPIENTS, json={"org_unit_id": BOARD, "email": "REGISTRATOR@kommun.example"}, headers=as_role(Role.ADMIN)
    )

    assert_problem(response, 409, "already receives the reminders")
    assert await stored(app) == before


# --- the worker --------------------------------------------------------------------------------


async def test_a_reminder_is_delivered_once_to_the_smtp_server(app: Any, inbox: Inbox) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await queue(app, subject="Rapporten är återsänd", body="Komplettera analysen av mål 2.")
    settings = smtp_settings(app, inbox)

    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)) == 1
    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)) == 0

    [envelope] = inbox.received
    assert envelope.rcpt_tos == ["rektor@fagersta.example"]
    [mail] = inbox.messages()
    [message] = await outbox(app)
    assert (mail["Subject"], mail["From"], mail["Message-ID"]) == (
        "Rapporten är återsänd",
        "styrkedjan@kommun.example",
        f"<{message.id}@kommun.example>",
    )
    assert mail.get_content().strip() == "Komplettera analysen av mål 2."
    assert (message.status, message.attempts, message.claimed_until) == ("SENT", 1, None)
    assert message.sent_at is not None


async def test_the_server_down_leaves_the_message_pending_for_a_later_attempt_then_it_is_delivered_once(app: Any, inbox: Inbox) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await queue(app)
    settings = smtp_settings(app, inbox)
    inbox.stop()

    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)) == 0

    [message] = await outbox(app)
    assert (message.status, message.attempts, message.claimed_until) == ("PENDING", 1, None)
    assert message.last_error and message.next_attempt_at > message.created_at + dt.timedelta(
        seconds=settings.smtp_send_interval_seconds / 2
    )
    # Back up, but before the message's next attempt: it waits.
    inbox.start()
    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)) == 0
    assert inbox.received == []
    # At its next attempt it goes, once.
    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings), now=message.next_attempt_at) == 1
    assert (
        await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings), now=message.next_attempt_at + dt.timedelta(days=1)) == 0
    )
    assert len(inbox.received) == 1
    [message] = await outbox(app)
    assert (message.status, message.attempts) == ("SENT", 2)


async def test_each_failed_attempt_waits_longer_and_the_last_one_gives_up(
    app: Any, client: httpx.AsyncClient, as_role: Any, inbox: Inbox
) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await queue(app, body="a body the operators do not need")
    settings = smtp_settings(app, inbox, smtp_max_attempts=3)
    inbox.stop()

    waits = []
    for _ in range(3):
        [message] = await outbox(app)
        await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings), now=message.next_attempt_at)
        [after] = await outbox(app)
        waits.append(after.next_attempt_at - after.last_attempt_at)

    [message] = await outbox(app)
    assert (message.status, message.attempts) == ("FAILED", 3)
    assert waits[0] < waits[1]
    assert (
        await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings), now=message.next_attempt_at + dt.timedelta(days=365)) == 0
    )
    state = (await client.get(f"{API}/outbox", headers=as_role(Role.ADMIN))).json()
    assert state["counts"] == {"PENDING": 0, "SENT": 0, "FAILED": 1}
    [failure] = state["latest_failures"]
    assert (failure["id"], failure["status"], failure["attempts"], failure["recipient"]) == (
        str(message.id),
        "FAILED",
        3,
        "rektor@fagersta.example",
    )
    assert failure["last_error"] and "body" not in failure
    assert "a body the operators do not need" not in str(state)


async def test_two_workers_racing_deliver_each_message_once(app: Any, database_url: str, inbox: Inbox) -> None:
    for number in range(10):
        await add_recipient(app, UNIT, f"larare{number}@fagersta.example")
    await queue(app)
    settings = smtp_settings(app, inbox, smtp_batch_size=4)
    # The other worker is another process: its own engine and connections.
    other_engine = create_engine(database_url)
    try:
        other = make_sessionmaker(other_engine)
        for _ in range(3):
            await asyncio.gather(
                deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)), deliver_due(other, settings, SmtpMailer(settings))
            )
    finally:
        await other_engine.dispose()

    ids = inbox.message_ids()
    assert len(ids) == 10 and len(set(ids)) == 10
    assert {m.status for m in await outbox(app)} == {"SENT"}


async def test_a_lease_held_by_another_worker_is_respected_until_it_runs_out(app: Any, inbox: Inbox) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await queue(app)
    settings = smtp_settings(app, inbox)
    held_until = utcnow() + dt.timedelta(minutes=10)
    async with app.state.sessionmaker() as session, session.begin():
        await session.execute(update(OutboxMessage).values(claimed_until=held_until))

    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings)) == 0
    assert await deliver_due(app.state.sessionmaker, settings, SmtpMailer(settings), now=held_until + dt.timedelta(seconds=1)) == 1
    assert len(inbox.received) == 1


async def test_the_app_sends_the_outbox_while_smtp_is_configured(app: Any, database_url: str, inbox: Inbox) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    await queue(app)
    sending = create_app(smtp_settings(app, inbox, smtp_send_interval_seconds=0.05))
    sending.state.directory_source = ORGANISATION

    async with running(sending):
        for _ in range(400):
            if inbox.received:
                break
            await asyncio.sleep(0.025)
    # Stopping the app let the pass under way record what the server accepted.

    assert len(inbox.received) == 1
    assert [m.status for m in await outbox(app)] == ["SENT"]


async def test_without_smtp_nothing_is_sent_and_the_outbox_still_fills(
    app: Any, client: httpx.AsyncClient, as_role: Any, inbox: Inbox
) -> None:
    await add_recipient(app, UNIT, "rektor@fagersta.example")
    silent = create_app(app.state.settings.model_copy(update={"smtp_port": inbox.port, "smtp_send_interval_seconds": 0.01}))
    silent.state.directory_source = ORGANISATION

    async with running(silent):
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "outbox-worker"]
        await queue(silent)
        await asyncio.sleep(0.1)

    assert inbox.received == []
    assert [(m.status, m.attempts) for m in await outbox(app)] == [("PENDING", 0)]
    state = (await client.get(f"{API}/outbox", headers=as_role(Role.ADMIN))).json()
    assert (state["smtp_enabled"], state["counts"]["PENDING"]) == (False, 1)


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.NAMND, Role.REVISOR])
async def test_the_outbox_is_read_by_admin_only(client: httpx.AsyncClient, as_role: Any, role: Role) -> None:
    assert_problem(await client.get(f"{API}/outbox", headers=as_role(role)), 403, type_="role-not-allowed")


async def test_the_outbox_is_read_with_the_whole_municipality_in_scope(client: httpx.AsyncClient, as_role: Any) -> None:
    response = await client.get(f"{API}/outbox", headers=as_role(Role.ADMIN, BOARD, [BOARD]))

    assert_problem(response, 403, "whole municipality")
