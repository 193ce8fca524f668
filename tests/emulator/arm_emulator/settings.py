"""Run-time settings and fault settings, both changeable through the control API."""

import copy
from dataclasses import asdict, dataclass, field, fields

# Compute's throttling policies: (bucket capacity, window seconds). Values as Azure reports them in
# x-ms-ratelimit-remaining-resource; a bucket refills continuously at capacity/window tokens per second.
DEFAULT_BUCKETS = {
    "Microsoft.Compute/GetVMScaleSet3Min": [200, 180],
    "Microsoft.Compute/GetVMScaleSet30Min": [1300, 1800],
    "Microsoft.Compute/VMScaleSetVMViews3Min": [5000, 180],
    "Microsoft.Compute/VMScaleSetVMViews30Min": [20000, 1800],
    "Microsoft.Compute/LowCostGet3Min": [4000, 180],
    "Microsoft.Compute/LowCostGet30Min": [31000, 1800],
    "Microsoft.Compute/HighCostGet3Min": [1000, 180],
    "Microsoft.Compute/HighCostGet30Min": [7000, 1800],
    "Microsoft.Compute/VMScaleSetActions3Min": [200, 180],
    "Microsoft.Compute/VMScaleSetActions30Min": [1200, 1800],
    "Microsoft.Compute/UpdateVM3Min": [240, 180],
    "Microsoft.Compute/UpdateVM30Min": [1200, 1800],
    "subscription-reads": [12000, 3600],
    "subscription-writes": [1200, 3600],
}


@dataclass
class Settings:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    throttle: bool = False
    throttle_buckets: dict = field(default_factory=lambda: copy.deepcopy(DEFAULT_BUCKETS))
    page_size: int = 100
    operation_seconds: float = 2.0
    token_lifetime: int = 3600
    max_log: int = 1_000_000

    def update(self, changes):
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for key, value in changes.items():
            if key == "throttle_buckets":
                self.set_buckets(value)
            elif key == "throttle" and isinstance(value, str):
                self.throttle = value.lower() in ("on", "true", "1", "yes")
            else:
                setattr(self, key, type(getattr(self, key))(value))
        if self.page_size < 1:
            raise ValueError("page_size must be >= 1")

    def set_buckets(self, value):
        """Accepts {policy: capacity} or {policy: [capacity, window_seconds]}; a policy may be given without
        its 'Microsoft.Compute/' prefix. ``None`` restores the defaults."""
        if value is None:
            self.throttle_buckets = copy.deepcopy(DEFAULT_BUCKETS)
            return
        for name, spec in value.items():
            full = name if name in DEFAULT_BUCKETS or "/" in name else f"Microsoft.Compute/{name}"
            if full not in self.throttle_buckets:
                raise ValueError(f"unknown throttling policy {name!r}; known: {', '.join(self.throttle_buckets)}")
            if isinstance(spec, (list, tuple)):
                self.throttle_buckets[full] = [int(spec[0]), float(spec[1])]
            else:
                self.throttle_buckets[full][0] = int(spec)

    def as_dict(self):
        return asdict(self)


@dataclass
class Faults:
    error_rate: float = 0.0          # fraction of ARM requests answered with error_status
    error_status: int = 500
    error_methods: list = field(default_factory=lambda: ["GET"])
    error_retry_after: float = 0.0   # seconds; 0 = no Retry-After header on injected errors
    reset_rate: float = 0.0          # fraction of ARM requests whose connection is reset (RST, no response)
    reset_methods: list = field(default_factory=lambda: ["GET"])
    slow_ms: float = 0.0             # extra delay for slow_rate of ARM requests
    slow_rate: float = 1.0
    # [{pattern, query?, methods?, count?, status, code, message} or {..., reset: true} or {..., delay_ms}]
    fail_paths: list = field(default_factory=list)
    fail_operations: dict = field(default_factory=dict)   # {vm name: error code} -> that VM's next LROs fail
    stay_unhealthy: list = field(default_factory=list)    # VM names that stay unhealthy after their next operation
    # Azure's examples give PowerState statuses no time; with this on, they carry when the VM last entered its
    # power state (a restart or reimage counts: the VM boots again), for clients that read such a time.
    power_state_times: bool = False
    seed: int = 0

    def update(self, changes):
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown faults: {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for key, value in changes.items():
            default = getattr(self, key)
            if isinstance(default, (list, dict)):
                setattr(self, key, copy.deepcopy(value) if value is not None else type(default)())
            else:
                setattr(self, key, type(default)(value))

    def as_dict(self):
        return asdict(self)
