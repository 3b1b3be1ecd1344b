"""``python -m steel``: the ``steel`` command."""

import sys

from steel.cli import main

sys.exit(main())
