"""The command-line layer: one module per command group, above every package it drives.

The packages below speak no CLI: their errors name files, fields and clips, and the commands
here add the option to reach for. ``mutoscope.cli`` names these modules by path and loads only
the one a command needs, so ``mutoscope play`` never imports torch.
"""
