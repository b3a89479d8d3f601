"""What the long-running commands (the conductor, a screen) share: their logging, and their
answer to SIGHUP."""

from __future__ import annotations

import logging
import signal

from mutoscope.commands.options import start_logging


def start_service(name: str, verbose: bool) -> logging.Logger:
    """Log at INFO (DEBUG with ``-v``) and survive SIGHUP, which a terminal or a supervisor may
    send: it is logged and ignored (it does not reload yet)."""
    start_logging(verbose, logging.INFO)
    log = logging.getLogger(f"mutoscope.{name}")
    signal.signal(signal.SIGHUP, lambda *_: log.warning("SIGHUP ignored: it does not reload the %s", name))
    return log
