"""Prints a development token for a demo user, signed with the run command's development key.

    python -m tools.token [SUBJECT] [--data-dir .data]

The key lives in the run command's data folder: give the same `--data-dir` as to `make run`.
"""

import argparse
from pathlib import Path

from tools.stack import ROOT, Stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("subject", nargs="?", default="kf.demo", help="a demo user's subject, e.g. kf.demo")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data", help="the data folder of `make run`")
    args = parser.parse_args()
    print(Stack.create(args.data_dir).mint_token(args.subject))


if __name__ == "__main__":
    main()
