import sys

from taglens.cli import main

sys.exit(main())
