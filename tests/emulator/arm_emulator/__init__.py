"""arm_emulator: a local, faithful emulator of the slice of Azure Resource Manager that vmss.fleet uses.

Run it with ``python -m arm_emulator serve --estate FILE``; see ``tests/emulator/README.md``.
"""

__version__ = "0.1.0"
