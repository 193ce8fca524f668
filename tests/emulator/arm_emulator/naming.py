"""Resource naming exactly as Azure documents it, made deterministic by seeding.

Uniform: instance IDs are decimal strings that are NOT 0..n-1 (Azure leaves gaps after scale-in and reuses
IDs), VM name ``{vmss}_{instanceId}``, computer name ``{prefix}{base36(id) zero-padded to 6}``.
Flexible: VM name ``{vmss}_{8 hex}``, computer name ``{prefix}{6 hex}``.
"""

import hashlib
import random
import uuid

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number):
    if number < 0:
        raise ValueError("negative instance id")
    digits = []
    while True:
        number, rem = divmod(number, 36)
        digits.append(_BASE36[rem])
        if number == 0:
            return "".join(reversed(digits))


def uniform_vm_name(vmss_name, instance_id):
    return f"{vmss_name}_{instance_id}"


def uniform_computer_name(prefix, instance_id):
    return f"{prefix}{base36(int(instance_id)).zfill(6)}"


def flexible_computer_name(prefix, suffix6):
    return f"{prefix}{suffix6}"


def seeded_rng(*parts):
    """A random.Random whose sequence depends only on the parts (stable across runs and Python versions)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_uuid(*parts):
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def next_uniform_id(rng, previous):
    """Next instance id after ``previous`` (None for the first): gaps of 1-3, start anywhere in 0..4."""
    if previous is None:
        return rng.randint(0, 4)
    return previous + rng.choice((1, 1, 2, 3))


def flexible_suffixes(rng, is_taken):
    """(8 hex for the VM name, 6 hex for the computer name); ``is_taken(name8)`` rejects collisions."""
    while True:
        name8 = f"{rng.getrandbits(32):08x}"
        comp6 = f"{rng.getrandbits(24):06x}"
        if not is_taken(name8):
            return name8, comp6
