"""Mutoscope's front door: the ``mutoscope`` command, which loads each part only when asked."""
