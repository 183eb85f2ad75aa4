import sys

from alert_receiver.cli import main

sys.exit(main())
