"""Colour from keyframes: the archivist's chroma carried along motion onto every frame."""
