"""Entry point of `python -m rules`; the work is in rules/cli.py."""

from rules.cli import main

raise SystemExit(main())
