"""Loaded into the server by ``load.py --stall-log`` (on its ``PYTHONPATH``): see stall_watch."""

from stall_watch import watch_if_asked

watch_if_asked("server")
