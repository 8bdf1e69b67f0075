"""hlsmon monitor package."""
