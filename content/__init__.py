"""The content library: the contract between the engine, which writes clips, and the player,
which reads them. See ``docs/library-format.md``."""
