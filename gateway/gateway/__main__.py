"""Gateway commands for operators:

python -m gateway migrate [upgrade|downgrade] [revision]
python -m gateway seed-demo              load the demo municipality (idempotent)
python -m gateway mint-token SUBJECT     a development token for a directory user
python -m gateway mint-token --client ID a development token for a machine client (its client id)
python -m gateway generate-key           a new Ed25519 private key (PEM) on stdout
"""

import argparse
import asyncio
import sys
from pathlib import Path

from gateway.settings import GatewaySettings, get_settings
from styrkedjan_common.migrations import database_url_of, migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"


async def _seed() -> None:
    from gateway.seed import seed_demo
    from styrkedjan_common.db import create_engine, make_sessionmaker

    engine = create_engine(get_settings().database_url)
    async with make_sessionmaker(engine)() as session:
        added = await seed_demo(session)
        await session.commit()
    await engine.dispose()
    print(f"demo municipality seeded: {added}")


def _mint(subject: str | None, client: str | None, ttl: int | None) -> None:
    from gateway.auth.tokens import DevIssuer

    settings = get_settings()
    if not settings.dev_issuer_enabled:
        sys.exit("the development issuer is not enabled (GATEWAY_DEV_ISSUER_ENABLED)")
    if (subject is None) == (client is None):
        sys.exit("give either a user's SUBJECT or --client CLIENT_ID")
    issuer = DevIssuer(settings)
    print(issuer.mint_client(client, ttl_seconds=ttl) if client is not None else issuer.mint(str(subject), ttl_seconds=ttl))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "migrate":
        migration_cli(MIGRATIONS, lambda: database_url_of(GatewaySettings), prog="python -m gateway")
        return
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo")
    mint = commands.add_parser("mint-token")
    mint.add_argument("subject", nargs="?", help="a directory user's subject")
    mint.add_argument("--client", help="a machine client's client id: a token with the client claim and no user subject")
    mint.add_argument("--ttl", type=int, default=None, help="lifetime in seconds")
    commands.add_parser("generate-key")
    args = parser.parse_args()
    if args.command == "seed-demo":
        asyncio.run(_seed())
    elif args.command == "mint-token":
        _mint(args.subject, args.client, args.ttl)
    else:
        from styrkedjan_common.identity import generate_private_key_pem

        print(generate_private_key_pem(), end="")


if __name__ == "__main__":
    main()
