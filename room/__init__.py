"""The room: the conductor (show state, ZeroMQ control, cues), its wire protocol and clients,
CURVE security and the operator's tablet page. It plays nothing: screens follow it."""
