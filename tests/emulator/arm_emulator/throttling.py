"""Compute's token buckets per subscription and policy, with the headers and 429 body Azure sends."""

import json
import math
import time

from .errors import ArmError


class Throttler:
    def __init__(self, settings):
        self.settings = settings
        self.buckets = {}                   # (subscription, policy) -> [tokens, last refill time]

    def reset(self):
        self.buckets.clear()

    def _bucket(self, sub, policy, now):
        capacity, window = self.settings.throttle_buckets[policy]
        key = (sub, policy)
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = [float(capacity), now]
        else:
            rate = capacity / window
            bucket[0] = min(float(capacity), bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
        return bucket, capacity, window

    def charge(self, sub, policies, write):
        """Take one token from each policy's bucket; returns the response headers, or raises the 429."""
        now = time.time()
        enforce = self.settings.throttle
        sub_policy = "subscription-writes" if write else "subscription-reads"
        entries = [(p, *self._bucket(sub, p, now)) for p in policies]
        sub_bucket, sub_cap, sub_window = self._bucket(sub, sub_policy, now)
        if enforce:
            for policy, bucket, capacity, window in entries + [(sub_policy, sub_bucket, sub_cap, sub_window)]:
                if bucket[0] < 1.0:
                    wait = max(1, math.ceil((1.0 - bucket[0]) * window / capacity))
                    raise self._too_many(policy, capacity, window, wait, now)
        for _policy, bucket, _c, _w in entries:
            bucket[0] = max(0.0, bucket[0] - 1.0)
        sub_bucket[0] = max(0.0, sub_bucket[0] - 1.0)
        headers = {f"x-ms-ratelimit-remaining-{sub_policy}": str(int(sub_bucket[0]))}
        if entries:
            headers["x-ms-ratelimit-remaining-resource"] = ",".join(
                f"{policy};{int(bucket[0])}" for policy, bucket, _c, _w in entries)
        return headers

    @staticmethod
    def _too_many(policy, capacity, window, wait, now):
        if policy.startswith("subscription-"):
            return ArmError(429, "SubscriptionRequestsThrottled",
                            f"Number of '{policy.split('-')[1][:-1]}' requests for subscription exceeded the limit "
                            f"of '{capacity}' for time interval '{int(window)}' seconds. Please try again after "
                            f"'{wait}' seconds.", headers={"Retry-After": str(wait)})
        group = policy.split("/", 1)[1]
        detail = {"operationGroup": group,
                  "startTime": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - window)),
                  "endTime": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now)),
                  "allowedRequestCount": capacity, "measuredRequestCount": capacity + 1}
        return ArmError(
            429, "OperationNotAllowed",
            "The server rejected the request because too many requests have been received for this subscription.",
            details=[{"code": "TooManyRequests", "target": group, "message": json.dumps(detail)}],
            headers={"Retry-After": str(wait)})
