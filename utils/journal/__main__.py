"""`python -m utils.journal`: the journal's command line (see `utils.journal.cli`)."""

import sys

from utils.journal.cli import main

sys.exit(main())
