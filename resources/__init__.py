"""Static resources (icons, pages) loaded with importlib.resources."""
