"""`python -m gazette_build` runs the CLI."""
from .cli import run

run()
