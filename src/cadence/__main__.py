import sys

from cadence.cli.main import main

sys.exit(main())
