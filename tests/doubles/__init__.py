"""Protocol-faithful local stand-ins for platforms the tests cannot reach."""
