"""Prints a development token for a demo user or a machine client, signed with the run command's development key.

    python -m tools.token [SUBJECT] [--client CLIENT_ID] [--data-dir .data]

A user's token names the user's subject; a machine client's names its client id in the client
claim (azp) and carries no user subject, as an identity provider's client-credentials token does.
The client must be registered in the directory (POST /api/directory/v1/clients) to sign in.
The key lives in the run command's data folder: give the same `--data-dir` as to `make run`.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from tools.stack import GATEWAY, ROOT, Stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("subject", nargs="?", help="a demo user's subject, e.g. kf.demo (the default without --client)")
    parser.add_argument("--client", help="a machine client's client id, e.g. ekonomisystemet")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data", help="the data folder of `make run`")
    args = parser.parse_args()
    if args.client and args.subject:
        parser.error("give a user's SUBJECT or --client CLIENT_ID, not both")
    stack = Stack.create(args.data_dir)
    if not args.client:
        print(stack.mint_token(args.subject or "kf.demo"))
        return
    command = [sys.executable, "-m", "gateway", "mint-token", "--client", args.client]
    result = subprocess.run(command, env=stack.env(GATEWAY), cwd=ROOT, check=True, capture_output=True, text=True)
    print(result.stdout.strip())


if __name__ == "__main__":
    main()
