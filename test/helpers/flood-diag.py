"""Runs shared/tools/event-flood.py unchanged, logging how each publisher connection closes.

Usage: flood-diag.py EVENT_FLOOD_PY [event-flood args...]

On RabbitMQ a flood process's last events have twice failed to reach the broker on CI (the
broker logged "client unexpectedly closed TCP connection" for it) without the tool reporting an
error: kombu swallows errors while closing a connection. These lines (stderr, one per close)
show whether the AMQP close handshake completed, so the next occurrence says why.
"""
import os
import runpy
import sys
import time


def _log(msg):
    sys.stderr.write(f'[flood-diag pid={os.getpid()} t={time.time():.3f}] {msg}\n')
    sys.stderr.flush()


def _wrap(cls, name, label):
    orig = getattr(cls, name)

    def wrapped(self, *args, **kwargs):
        t0 = time.time()
        try:
            out = orig(self, *args, **kwargs)
        except BaseException as exc:
            _log(f'{label} raised {exc!r} after {time.time() - t0:.3f}s')
            raise
        _log(f'{label} ok in {time.time() - t0:.3f}s')
        return out
    setattr(cls, name, wrapped)


import amqp  # noqa: E402  (py-amqp, the transport kombu uses for amqp:// URLs)

_wrap(amqp.Connection, 'close', 'connection close')
_wrap(amqp.Channel, 'close', 'channel close')

tool = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(tool, run_name='__main__')
