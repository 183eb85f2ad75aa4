"""`python -m exporter` runs the same CLI as `healthcheck-exporter`."""

import sys

from exporter.cli import main

sys.exit(main())
