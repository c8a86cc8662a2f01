"""The widget's realtime endpoint: python-socketio on aiohttp, namespace /agent."""
