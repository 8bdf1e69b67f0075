"""hlsmon player package."""
