"""Agent actions from the widget, carried out on the platform with the agent's own token."""
