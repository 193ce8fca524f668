# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python's garbage collector while the inventory adds thousands of hosts (controller side).

Adding a host's variables allocates a few dozen tagged objects that all stay alive, so the collector keeps
promoting them, and every few thousand hosts a full collection walks everything the process holds once more:
at 10,000 hosts that was seven full walks of a heap growing to 600,000 objects, about 0.8 s of a 5 s parse.
While the hosts are added, full collections wait; the young generations are still collected as usual, so
short-lived cycles (a template's, an exception's) are freed as before. The thresholds are put back after, and
the next full collection happens as it would have.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import gc

# A full collection runs when this many collections of the middle generation have run since the last one
# (CPython's default is 10); this many means none while the hosts are added.
DEFERRED_FULL_COLLECTION = 1000000


@contextlib.contextmanager
def full_collections_deferred():
    thresholds = gc.get_threshold()
    if len(thresholds) == 3 and thresholds[0] > 0:
        gc.set_threshold(thresholds[0], thresholds[1], DEFERRED_FULL_COLLECTION)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
