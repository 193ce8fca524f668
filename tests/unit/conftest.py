"""Makes the collection importable as ``ansible_collections.vmss.fleet``.

`make setup` links the checkout at .collections/ansible_collections/vmss/fleet;
putting .collections on sys.path lets plain pytest import the collection's
code by its real name, with no pytest-ansible and no installed copy.
"""

import os
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS_PATH = os.path.join(REPO_ROOT, ".collections")
COLLECTION_LINK = os.path.join(COLLECTIONS_PATH, "ansible_collections", "vmss", "fleet")

if not os.path.isdir(COLLECTION_LINK):
    pytest.exit("%s is missing: run `make setup` first" % COLLECTION_LINK, returncode=4)

if COLLECTIONS_PATH not in sys.path:
    sys.path.insert(0, COLLECTIONS_PATH)
