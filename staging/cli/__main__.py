import sys

from staging.cli import main

sys.exit(main())
