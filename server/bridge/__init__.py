"""The desktop bridge: conversation events an agent's desktop hands the widget, into the pipeline.

Some agent desktops tell a framed app about the agent's conversation in the browser only. The
widget forwards each such host message as the Socket.IO event ``bridge.event``;
:class:`server.bridge.service.DesktopBridges` checks and maps it with the platform's
``DesktopBridge`` and runs the events through the same pipeline as every other source.
docs/platforms.md ("The desktop bridge") and docs/socketio.md describe the contract.
"""
