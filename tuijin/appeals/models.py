"""Enterprise requests (诉求): models."""
