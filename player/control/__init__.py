"""Control of an installation: the protocol, the conductor (ZeroMQ server holding the show
state) and its clients."""
