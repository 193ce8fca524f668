# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a producer in a forked child process and read what it sends while it is still working (controller side).

The inventory lists Azure in a child so that decoding Azure's pages (most of a listing's CPU) runs on another
core while ansible-core adds the hosts of the scale sets already listed: one Python process can only do one of
the two at a time. The child is forked, not started afresh, so it has every module the parent imported and
costs no start-up; the parent must not be running threads of its own when it forks (ansible-core's CLIs parse
inventories before starting any). Messages are pickled through a one-way pipe; a FleetError in the child is
sent as such, and anything else becomes an internal error, so the parent never sees a child's traceback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
import multiprocessing
import threading

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, internal_error

_ITEM, _DONE, _ERROR = "item", "done", "error"


def can_fork():
    """True where a child can be forked here: POSIX, the main thread of a process that is not a daemon."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon
            and threading.active_count() == 1)


def stream_from_child(produce):
    """Yields each item ``produce(send)`` sends from a forked child, as it is sent.

    Raises the child's FleetError (or an internal error naming what went wrong). Closing the generator early,
    or an exception in the parent's loop, stops the child.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(produce, sender), name="vmss.fleet listing", daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                child.join()
                raise FleetError("internal error in vmss.fleet: the listing process ended without an answer "
                                 "(exit code %s), please report" % child.exitcode)
            if kind == _ITEM:
                yield payload
            elif kind == _ERROR:
                raise payload
            else:
                return
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _child_main(produce, sender):
    # What the child inherited is never garbage here: keep the collector from scanning it (and from touching,
    # so copying, the parent's memory pages).
    gc.freeze()
    gc.disable()
    try:
        produce(lambda item: sender.send((_ITEM, item)))
        sender.send((_DONE, None))
    except FleetError as exc:
        _send_quietly(sender, (_ERROR, exc))
    except Exception as exc:  # pylint: disable=broad-except
        _send_quietly(sender, (_ERROR, internal_error(exc)))
    finally:
        sender.close()


def _send_quietly(sender, message):
    try:
        sender.send(message)
    except (OSError, EOFError):
        pass  # the parent has gone (it stopped reading): nobody is left to tell
