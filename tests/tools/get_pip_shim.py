"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test bootstraps pip in each sanity venv by running a get-pip script it
fetches from a host that is not reachable here. This script does the same job
with what every Python ships: ensurepip puts a pip into the venv, then that pip
installs the exact versions ansible-test asked for from the package index.
tests/tools/sanity.sh puts it in ansible-test's cache for the length of a sanity run
(and knows it there by its first line: keep that line as it is).
"""

import ensurepip
import os
import subprocess
import sys

# get-pip understands these, pip install does not; the venv simply keeps
# whatever ensurepip gave it.
GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}


def pip_install_arguments(argv):
    """The get-pip arguments that pip install also understands."""
    return [arg for arg in argv if arg not in GET_PIP_ONLY_FLAGS]


def main():
    ensurepip.bootstrap(upgrade=True)
    env = dict(os.environ)
    # ansible-test points this at an empty file; dropping it lets pip use the
    # machine's own configuration (index mirrors, certificates).
    env.pop("PIP_CONFIG_FILE", None)
    command = [sys.executable, "-m", "pip", "install"] + pip_install_arguments(sys.argv[1:])
    sys.exit(subprocess.call(command, env=env))


if __name__ == "__main__":
    main()
