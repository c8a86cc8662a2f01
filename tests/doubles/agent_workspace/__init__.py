"""A double of 8x8 Agent Workspace's shell, the side of the partner SDK's port that 8x8 runs."""
