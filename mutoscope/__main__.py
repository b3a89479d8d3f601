"""``python -m mutoscope``."""

from mutoscope.cli import main

main()
