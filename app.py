"""Start Companion: the terminal chat for now (the web app will take its place here)."""

import sys

from companion.cli import cli

if __name__ == "__main__":
    cli(["chat", *sys.argv[1:]])
