"""The exhibition player (pyglet/OpenGL, no torch): plays a clip's original and restored
versions in frame-exact sync with before/after transitions, directed by the conductor."""
