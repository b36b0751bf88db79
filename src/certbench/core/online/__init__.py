"""The only part of certbench that opens network connections, and only when a command is asked to.

``probe`` connects to the host the user names (``certbench probe HOST[:PORT]``); ``starttls`` speaks
the few plain-text lines a mail, FTP or database server needs before its TLS handshake. Nothing else in
:mod:`certbench.core` imports this package, and a test runs every other command with sockets blocked.
"""
