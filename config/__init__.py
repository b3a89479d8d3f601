"""An installation's TOML configuration, read into typed, validated settings."""
