"""Prints a development token for a demo user, signed with the run command's development key."""

import sys

from tools.stack import ROOT, Stack


def main() -> None:
    subject = sys.argv[1] if len(sys.argv) > 1 else "kf.demo"
    print(Stack.create(ROOT / ".data").mint_token(subject))


if __name__ == "__main__":
    main()
