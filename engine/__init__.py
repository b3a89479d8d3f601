"""The restoration engine (PyTorch): decode, restore, upscale, colour and encode archive film.

It writes clips into the content library; see ``docs/library-format.md``.
"""
