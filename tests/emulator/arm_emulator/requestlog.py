"""The request log the control API serves: one entry per non-control request, in arrival order."""

import itertools
import time
import uuid


class RequestLog:
    def __init__(self, settings):
        self.settings = settings
        self.entries = []
        self.seq = itertools.count(1)

    def start(self, method, path, query, started):
        entry = {
            "seq": next(self.seq),
            "method": method,
            "path": path,
            "query": dict(query),
            "status": None,
            "started": started,
            "finished": None,
            "duration_ms": None,
            "client_id": None,
            "fault": None,
            "request_id": str(uuid.uuid4()),
        }
        self.entries.append(entry)
        if len(self.entries) > self.settings.max_log:
            del self.entries[: len(self.entries) - self.settings.max_log]
        return entry

    def finish(self, entry, status, client_id):
        now = time.time()
        entry["status"] = status
        entry["finished"] = now
        entry["duration_ms"] = round((now - entry["started"]) * 1000.0, 3)
        entry["client_id"] = client_id

    def clear(self):
        self.entries = []

    def snapshot(self, since=0):
        return [e for e in self.entries if e["seq"] > since]
