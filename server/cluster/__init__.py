"""Configuration shared between server nodes: the bus that carries changes, the sync that
applies them."""
