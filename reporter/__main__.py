"""`python -m reporter monthly --no-send --out /tmp/r`"""

import sys

from reporter.cli import main

sys.exit(main())
