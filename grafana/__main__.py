"""Entry point of `python -m grafana`; the work is in grafana/cli.py."""

from grafana.cli import main

raise SystemExit(main())
