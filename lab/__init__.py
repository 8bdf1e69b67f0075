"""hlsmon lab package."""
