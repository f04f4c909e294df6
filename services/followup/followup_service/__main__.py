"""Follow-up service commands for operators:

python -m followup_service migrate [upgrade|downgrade] [revision]
python -m followup_service seed-demo     the demo's annual cycles of this year and the next (idempotent)
"""

import asyncio
import sys
from pathlib import Path

from followup_service.settings import FollowupSettings
from styrkedjan_common.migrations import database_url_of, migration_cli

MIGRATIONS = Path(__file__).parent / "migrations"


async def _seed() -> None:
    from followup_service.seed import seed_demo
    from styrkedjan_common.db import create_engine, make_sessionmaker

    engine = create_engine(database_url_of(FollowupSettings))
    async with make_sessionmaker(engine)() as session:
        made = await seed_demo(session)
        await session.commit()
    await engine.dispose()
    print(f"annual cycles made: {made or 'none (they exist)'}")


if __name__ == "__main__":
    if sys.argv[1:] == ["seed-demo"]:
        asyncio.run(_seed())
    else:
        migration_cli(MIGRATIONS, lambda: database_url_of(FollowupSettings), prog="python -m followup_service")
