# -*- coding: utf-8 -*-
"""The collection's own imports: each name comes from the file that defines it, never re-exported by another.

A name one file merely imports and another then imports from it ties the two to an accident of the first file
(listing.py used to pass records.py's FLEXIBLE and orchestration_mode on, and module_runner.py held scrub for the
inventory).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

from ansible_collections.vmss.fleet.plugins.module_utils import errors

PLUGINS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       "plugins")
PREFIX = "ansible_collections.vmss.fleet.plugins."


def python_files():
    for folder, _dirs, files in os.walk(PLUGINS):
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(folder, name)


def defined_names(path):
    """Names a file defines at its top level (functions, classes, assignments), not those it imports."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return names


def own_imports(path):
    """(module path, name) of every ``from ansible_collections.vmss.fleet.plugins... import name`` in a file."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PREFIX):
            target = os.path.join(PLUGINS, *node.module[len(PREFIX):].split(".")) + ".py"
            if os.path.isfile(target):
                for alias in node.names:
                    yield target, alias.name


@pytest.mark.parametrize("path", list(python_files()), ids=lambda path: os.path.relpath(path, PLUGINS))
def test_every_name_is_imported_from_the_file_that_defines_it(path):
    passed_on = ["%s from %s" % (name, os.path.relpath(target, PLUGINS)) for target, name in own_imports(path)
                 if name not in defined_names(target)]
    assert passed_on == []


def test_scrub_lives_with_the_errors_it_cleans():
    assert errors.scrub({"msg": ["a s3cret b", 3]}, ["s3cret"]) == {"msg": ["a ******** b", 3]}
    assert errors.scrub("nothing", []) == "nothing"
