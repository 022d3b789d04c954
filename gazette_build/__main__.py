"""`python -m gazette_build` runs the CLI."""
import sys

from .cli import main

sys.exit(main())
