"""What the stand-ins of tests/support share (sts.py, sso.py): serving a WSGI app on a free
port of 127.0.0.1, `PORT n` as the first line of stdout, and stdin as the lifeline."""

import os
import sys
import threading

from werkzeug.serving import make_server


def serve(app, handler, ignore_stdin, on_port=None):
    """Serves `app` (werkzeug, threaded, `handler` for its requests) until stdin closes, or for
    ever with `ignore_stdin`; `on_port(port)` is called before the PORT line. Never returns."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    server.daemon_threads = True
    if on_port is not None:
        on_port(server.server_port)
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    if ignore_stdin:
        thread.join()
    else:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
    os._exit(0)
