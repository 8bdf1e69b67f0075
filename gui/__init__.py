"""hlsmon gui package."""
