"""Compare JSON bodies with the model classes of the installed azure-mgmt-* SDKs.

The TypeSpec-generated models (azure-mgmt-compute >= 38, azure-mgmt-network 33, the subscriptions client) are
dict-backed: they accept any dict and quietly keep keys they do not know, and a badly formatted date simply stays
a string. So "it deserializes" proves little on its own. This module walks a body alongside the model's declared
fields instead and reports, as readable paths:

- keys the model does not declare (`unknown_keys`),
- values that the model cannot turn into their declared type (`type_problems`),
- keys of a reference body that another body lacks (`missing_keys`).

A shape is one of: a model class, a list of shapes, a map (free-form keys) of shapes, a page
(`{"value": [...], "nextLink": ...}`), a scalar type, or ANY (no constraint).
"""

from __future__ import annotations

import datetime
import enum
import functools
import importlib
import typing
from dataclasses import dataclass

from azure.core.exceptions import DeserializationError


@dataclass(frozen=True)
class Shape:
    kind: str  # "model" | "list" | "map" | "page" | "scalar" | "any"
    target: typing.Any = None  # model class, scalar type, or the inner Shape


ANY = Shape("any")


def model(model_class: type) -> Shape:
    return Shape("model", model_class)


def page_of(item: Shape) -> Shape:
    """The envelope of a paged list: the SDK reads `value` and `nextLink` and nothing else."""
    return Shape("page", item)


def _is_model_class(candidate: typing.Any) -> bool:
    return isinstance(candidate, type) and getattr(candidate, "_is_model", False)


def _module_namespace(model_class: type) -> dict:
    """Forward references in the generated code are written as "_models.Name" (the class's own package)."""
    package = model_class.__module__.rsplit(".", 1)[0]
    return {"_models": importlib.import_module(package)}


NONE_TYPE = type(None)   # what Optional[X] adds to a Union


def shape_of(annotation: typing.Any) -> Shape:
    """Turn one field annotation of a generated model into a Shape."""
    origin = typing.get_origin(annotation)
    if annotation is typing.Any:
        return ANY
    if origin is typing.Union:
        return _shape_of_union([arg for arg in typing.get_args(annotation) if arg is not NONE_TYPE])
    if origin is typing.Literal:
        return Shape("scalar", str)
    if origin in (list, typing.List):
        return Shape("list", shape_of(typing.get_args(annotation)[0]))
    if origin in (dict, typing.Dict):
        return Shape("map", shape_of(typing.get_args(annotation)[1]))
    if _is_model_class(annotation):
        return model(annotation)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return Shape("scalar", str)
    if annotation in (str, int, float, bool, bytes, datetime.datetime, datetime.date, datetime.timedelta):
        return Shape("scalar", annotation)
    return ANY


def _shape_of_union(members: list) -> Shape:
    if len(members) == 1:
        return shape_of(members[0])
    shapes = [shape_of(member) for member in members]
    # Union[str, SomeEnum] is how the generator spells an extensible enum: a string on the wire.
    if all(shape.kind == "scalar" and shape.target is str for shape in shapes):
        return Shape("scalar", str)
    return ANY


@functools.cache
def fields_of(model_class: type) -> dict[str, tuple[str, Shape]]:
    """Map each wire (camelCase) name of a model to its Python attribute name and its Shape."""
    model_class()  # the base class computes the rest-field table on first instantiation
    hints = typing.get_type_hints(model_class, localns=_module_namespace(model_class))
    return {
        rest_field._rest_name: (attribute, shape_of(hints.get(attribute, typing.Any)))
        for attribute, rest_field in model_class._attr_to_rest_field.items()
    }


def unknown_keys(body: typing.Any, shape: Shape, path: str = "") -> list[str]:
    """Paths of keys in `body` that the SDK model behind `shape` does not declare."""
    if shape.kind == "page":
        return _unknown_in_page(body, shape.target, path)
    if shape.kind == "list" and isinstance(body, list):
        return [problem for item in body for problem in unknown_keys(item, shape.target, f"{path}[]")]
    if shape.kind == "map" and isinstance(body, dict):
        return [problem for key, value in body.items()
                for problem in unknown_keys(value, shape.target, f"{path}.{key}")]
    if shape.kind == "model" and isinstance(body, dict):
        return _unknown_in_model(body, shape.target, path)
    if shape.kind in ("list", "map", "model") and body is not None:
        return [f"{path or '<body>'} (expected {shape.kind}, got {type(body).__name__})"]
    return []


def _unknown_in_page(body: typing.Any, item: Shape, path: str) -> list[str]:
    if not isinstance(body, dict):
        return [f"{path or '<body>'} (expected a page object)"]
    problems = [_join(path, key) for key in body if key not in ("value", "nextLink")]
    return problems + unknown_keys(body.get("value", []), Shape("list", item), _join(path, "value"))


def _unknown_in_model(body: dict, model_class: type, path: str) -> list[str]:
    fields = fields_of(model_class)
    problems = []
    for key, value in body.items():
        if key not in fields:
            problems.append(_join(path, key))
        else:
            problems.extend(unknown_keys(value, fields[key][1], _join(path, key)))
    return problems


def type_problems(body: typing.Any, shape: Shape, path: str = "") -> list[str]:
    """Deserialize `body` with the SDK model and report every value that did not become its declared type."""
    if shape.kind == "page":
        return type_problems(body.get("value", []), Shape("list", shape.target), _join(path, "value"))
    if shape.kind == "list":
        if not isinstance(body, list):
            return [f"{path or '<body>'}: expected a list, got {type(body).__name__}"]
        return [problem for item in body for problem in type_problems(item, shape.target, f"{path}[]")]
    if shape.kind == "map":
        if not isinstance(body, dict):
            return [f"{path or '<body>'}: expected a map, got {type(body).__name__}"]
        return [problem for key, item in body.items() for problem in type_problems(item, shape.target, f"{path}.{key}")]
    if shape.kind == "model":
        if not isinstance(body, dict):
            return [f"{path or '<body>'}: expected an object, got {type(body).__name__}"]
        try:
            instance = shape.target(body)
        except DeserializationError:
            return [f"{path or '<body>'}: the SDK refuses to deserialize it into {shape.target.__name__}"] + \
                _problems_below(body, shape.target, path)
        return _problems_in_instance(instance, shape.target, path)
    return []  # a bare scalar is checked by the model that holds it, once deserialized


def _problems_below(body: dict, model_class: type, path: str) -> list[str]:
    """Find where a body the SDK refused goes wrong, by checking its nested objects and lists one by one."""
    fields = fields_of(model_class)
    problems = []
    for key, value in body.items():
        if key in fields and fields[key][1].kind in ("model", "list", "map"):
            problems.extend(type_problems(value, fields[key][1], _join(path, key)))
    return problems


def _problems_in_instance(instance: typing.Any, model_class: type, path: str) -> list[str]:
    problems = []
    for rest_name, (attribute, shape) in fields_of(model_class).items():
        if rest_name in instance:
            problems.extend(_problems_in_value(getattr(instance, attribute), shape, _join(path, rest_name)))
    return problems


def _problems_in_value(value: typing.Any, shape: Shape, path: str) -> list[str]:
    if value is None or shape.kind == "any":
        return []
    if shape.kind == "model":
        if isinstance(value, dict) and not isinstance(value, shape.target):
            # The SDK gives a nested value back as a plain dict when it cannot deserialize it: say so, then
            # look inside to point at the value that made it fail.
            return [f"{path}: did not deserialize into {shape.target.__name__}"] + type_problems(value, shape, path)
        if not isinstance(value, shape.target):
            return [f"{path}: expected {shape.target.__name__}, got {type(value).__name__}"]
        return _problems_in_instance(value, shape.target, path)
    if shape.kind == "list":
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        return [problem for item in value for problem in _problems_in_value(item, shape.target, f"{path}[]")]
    if shape.kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: expected a map, got {type(value).__name__}"]
        return [problem for key, item in value.items()
                for problem in _problems_in_value(item, shape.target, f"{path}.{key}")]
    return _scalar_problem(value, shape.target, path)


def _scalar_problem(value: typing.Any, expected: type, path: str) -> list[str]:
    if expected is float:
        fits = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    else:
        fits = isinstance(value, expected)
    return [] if fits else [f"{path}: expected {expected.__name__}, got {value!r}"]


def missing_keys(reference: typing.Any, candidate: typing.Any, shape: Shape, path: str = "") -> list[str]:
    """Paths of keys present in `reference` but absent from `candidate`, at every level.

    Lists are compared as the union of their items' keys; maps with free-form keys (tags and the like)
    are compared by the union of their values, since their keys are data, not schema.
    """
    if shape.kind == "page":
        return missing_keys(reference.get("value", []), candidate.get("value", []), Shape("list", shape.target),
                            _join(path, "value"))
    if shape.kind == "list" and isinstance(reference, list) and reference:
        if not isinstance(candidate, list) or not candidate:
            return [f"{path}[] (no items to compare)"]
        return missing_keys(merge_items(reference), merge_items(candidate), shape.target, f"{path}[]")
    if shape.kind == "map" and isinstance(reference, dict) and reference:
        if not isinstance(candidate, dict) or not candidate:
            return [f"{path}.* (no entries to compare)"]
        return missing_keys(merge_items(reference.values()), merge_items(candidate.values()), shape.target,
                            f"{path}.*")
    if shape.kind == "model" and isinstance(reference, dict):
        return _missing_in_model(reference, candidate if isinstance(candidate, dict) else {}, shape.target, path)
    return []


def _missing_in_model(reference: dict, candidate: dict, model_class: type, path: str) -> list[str]:
    fields = fields_of(model_class)
    problems = []
    # Keys the SDK model does not declare are not required: an older example may carry a key that the
    # current API renamed, and the emulator must not send unknown keys.
    for key in reference.keys() & fields.keys():
        if key not in candidate:
            problems.append(_join(path, key))
        else:
            problems.extend(missing_keys(reference[key], candidate[key], fields[key][1], _join(path, key)))
    return sorted(problems)


def merge_items(items: typing.Iterable) -> typing.Any:
    """Deep union of several JSON values: dicts merge key by key, lists concatenate, scalars keep the first."""
    merged = None
    for item in items:
        merged = _merge_two(merged, item)
    return merged


def _merge_two(left: typing.Any, right: typing.Any) -> typing.Any:
    if left is None:
        return right
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, value in right.items():
            merged[key] = _merge_two(merged.get(key), value)
        return merged
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    return left


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
