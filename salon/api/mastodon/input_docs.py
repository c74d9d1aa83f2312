"""Each operation's query and body parameters, for /openapi.json, read from the code that
parses them: the typed accessors (`p.text("status", max_len=...)`, `p.ids(...)`, ...) called
on the endpoint's `params(request)` and in the helpers it hands `p` or `request` to. Parsing
stays the one source of truth, so the description cannot drift from it (and
tests/api/mastodon/test_docs.py checks that every accessor call lands in it). Documentation
only: FastAPI itself never parses these."""

from __future__ import annotations

import ast
import inspect
import operator
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from salon.api.mastodon import deps
from salon.oauth import inputs as oauth_inputs
from salon.text_input import accepted_pattern

ID = {"type": "string", "pattern": "^[0-9]{1,19}$"}
# Accessors of deps.Params (and of the OAuth endpoints' inputs.Params), by name.
TYPED = ("text", "optional_text", "texts", "id", "ids", "number", "numbers", "flag",
         "optional_flag", "choice", "object", "objects", "file")
ITEMS = "[]"  # in a field's path: each object of a list (keywords_attributes[][keyword])
_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Pow: operator.pow, ast.FloorDiv: operator.floordiv}
_MISSING = object()
# Where a name holds Params: (an OAuth inputs.Params?, the path of its object: ("poll",)).
Held = list[tuple[bool, tuple[str, ...]]]


def _schema(kind: str, bound: dict[str, Any], oauth: bool) -> dict[str, Any]:
    """The JSON schema of what accessor `kind` accepts, given its arguments (a bound that
    is no constant is left out)."""
    return _known(_typed(kind, bound, oauth))


def _known(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: _known(v) if isinstance(v, dict) else v for k, v in schema.items()
            if v is not None}


def _typed(kind: str, bound: dict[str, Any], oauth: bool) -> dict[str, Any]:
    if oauth:  # inputs.Params: text, or a list of texts where texts() reads it
        return {"type": "string", "maxLength": bound.get("limit", oauth_inputs.LIMIT)}
    if kind in ("text", "optional_text"):
        return {"type": "string", "maxLength": bound.get("max_len"),
                "pattern": accepted_pattern(multiline=bound.get("multiline") is True)}
    if kind == "texts":
        return {"type": "array", "maxItems": bound.get("max_count"),
                "items": {"type": "string", "maxLength": bound.get("max_len"),
                          "pattern": accepted_pattern()}}
    if kind == "id":
        return dict(ID)
    if kind == "ids":
        return {"type": "array", "maxItems": bound.get("max_count"), "items": dict(ID)}
    if kind in ("number", "numbers"):
        number = {"type": "integer", "minimum": bound.get("lo"), "maximum": bound.get("hi")}
        if kind == "number":
            return number
        return {"type": "array", "maxItems": bound.get("max_count"), "items": number}
    if kind in ("flag", "optional_flag"):
        return {"type": "boolean"}
    if kind == "choice":
        return {"type": "string", "enum": list(bound.get("options", ()))}
    if kind == "objects":
        return {"type": "array", "maxItems": bound.get("max_count"),
                "items": {"type": "object", "properties": {}}}
    if kind == "file":
        return {"type": "string", "format": "binary"}
    return {"type": "string"}  # read untyped (a Mapping's .get in a helper)


@dataclass
class Inputs:
    """What one operation reads: field paths (("poll", "options")) and their schemas."""

    fields: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)

    def add(self, path: tuple[str, ...], schema: dict[str, Any]) -> None:
        known = self.fields.get(path)
        if known is None or known == {"type": "string"}:  # a typed read says more
            self.fields[path] = schema

    @property
    def reads_file(self) -> bool:
        return any(s.get("format") == "binary" for s in self.fields.values())

    def tree(self) -> dict[str, Any]:
        """The fields as one JSON object schema, objects nested."""
        root: dict[str, Any] = {"type": "object", "properties": {}}
        for path, schema in sorted(self.fields.items()):
            node = root
            for part in path[:-1]:
                if part == ITEMS:  # node is the list: its fields are its items'
                    node = node.setdefault("items", {"type": "object", "properties": {}})
                    continue
                node = node["properties"].setdefault(
                    part, {"type": "object", "properties": {}})
            if schema.get("type") == "object":  # its fields may have made it already
                node["properties"].setdefault(path[-1], schema)
            else:
                node["properties"][path[-1]] = schema
        return root

    def flat(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The fields as a form or query string names them: poll[options][]."""
        for path, schema in sorted(self.fields.items()):
            if schema.get("type") == "object" or schema.get("items", {}).get("type") == "object":
                continue  # its fields are named poll[...], or keywords_attributes[][...]
            name = path[0] + "".join("[]" if part == ITEMS else f"[{part}]" for part in path[1:])
            yield (name + "[]" if schema.get("type") == "array" else name), schema


@dataclass
class _Scope:
    """Names known while reading one function: which hold Params (and where they point),
    which hold constants, and the module's and closure's globals."""

    names: dict[str, Any]
    params: dict[str, Held]
    consts: dict[str, list[Any]]
    local_defs: dict[str, ast.AST] = field(default_factory=dict)


def describe_inputs(endpoint: Callable[..., Any]) -> Inputs:
    """The parameters `endpoint` reads, found by reading its code."""
    found = Inputs()
    _read_function(endpoint, {}, {}, found, depth=0, seen=set())
    return found


def _read_function(function: Callable[..., Any],
                   params: dict[str, Held],
                   consts: dict[str, list[Any]], found: Inputs, depth: int,
                   seen: set[Any]) -> None:
    function = inspect.unwrap(function)
    key = (function, repr(sorted(params.items())), repr(sorted(consts.items())))
    if depth > 4 or key in seen or not getattr(function, "__module__", "").startswith("salon"):
        return
    seen.add(key)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return
    names = {**getattr(function, "__globals__", {}),
             **inspect.getclosurevars(function).nonlocals}
    definition = tree.body[0]
    _read_body(definition, _Scope(names, dict(params), dict(consts)), found, depth, seen)


def _read_body(definition: ast.AST, scope: _Scope, found: Inputs, depth: int,
               seen: set[Any]) -> None:
    nodes = list(ast.walk(definition))
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not definition:
            scope.local_defs[node.name] = node
    for _ in range(2):  # assignments may depend on each other: two rounds settle them
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name):
                held = _params_of(node.value, scope)
                if held:
                    scope.params[node.targets[0].id] = held
            elif isinstance(node, (ast.For, ast.comprehension)) \
                    and isinstance(node.target, ast.Name):
                if isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Attribute) \
                        and node.iter.func.attr == "objects" and node.iter.args:
                    scope.params[node.target.id] = [
                        (oauth, (*path, name, ITEMS))
                        for oauth, path in _params_of(node.iter.func.value, scope)
                        for name in _names(node.iter.args[0], scope)]
                    continue
                values = _value(node.iter, scope)
                if isinstance(values, (tuple, list, set, frozenset, dict)):
                    scope.consts[node.target.id] = [v for v in values if isinstance(v, str)]
    for node in nodes:
        if isinstance(node, ast.Call):
            _read_call(node, scope, found, depth, seen)


def _params_of(node: ast.AST, scope: _Scope) -> Held:
    """Where `node` is a Params: `await params(request)`, inputs.Params(...), a name bound
    to one, or `.object("poll")` of one."""
    if isinstance(node, ast.Await) and isinstance(node.value, ast.Call) \
            and _value(node.value.func, scope) is deps.params:
        return [(False, ())]
    if isinstance(node, ast.Name):
        return scope.params.get(node.id, [])
    if isinstance(node, ast.Call):
        if _value(node.func, scope) is oauth_inputs.Params and node.args:
            return [(True, path) for _, path in _params_of(node.args[0], scope)]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "object" and node.args:
            return [(oauth, (*path, name))
                    for oauth, path in _params_of(node.func.value, scope)
                    for name in _names(node.args[0], scope)]
    return []


def _read_call(node: ast.Call, scope: _Scope, found: Inputs, depth: int,
               seen: set[Any]) -> None:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in (*TYPED, "get") and node.args:
        held = _params_of(func.value, scope)
        for oauth, path in held:
            accessor = getattr(oauth_inputs.Params if oauth else deps.Params, func.attr, None)
            if accessor is None:
                continue
            bound = _bind(accessor, node, scope)
            for name in _names(node.args[0], scope):
                schema = ({"type": "object", "properties": {}} if func.attr == "object"
                          else _schema(func.attr, bound, oauth))
                found.add((*path, name), schema)
        if held:
            return
    # A helper handed Params or the request (or one defined inside, which sees them): read
    # it with what it was handed.
    passed: dict[int | str, ast.AST] = dict(enumerate(node.args))
    passed.update({k.arg: k.value for k in node.keywords if k.arg})
    if isinstance(func, ast.Name) and func.id in scope.local_defs:
        local = scope.local_defs[func.id]
        assert isinstance(local, (ast.FunctionDef, ast.AsyncFunctionDef))
        inner = _Scope(scope.names, dict(scope.params), dict(scope.consts), scope.local_defs)
        _bind_into(inner, [a.arg for a in local.args.args], passed, scope)
        _read_body(local, inner, found, depth + 1, seen)
        return
    if not any(_params_of(a, scope) or _is_request(a) for a in passed.values()):
        return
    callee = _value(func, scope)
    if not inspect.isfunction(callee) and not inspect.ismethod(callee):
        return
    inner = _Scope({}, {}, {})
    signature = inspect.signature(callee).parameters
    _bind_into(inner, list(signature), passed, scope)
    for name, parameter in signature.items():  # what the helper reads when not handed it
        if name not in inner.consts and parameter.default is not parameter.empty:
            inner.consts[name] = [parameter.default]
    _read_function(callee, inner.params, inner.consts, found, depth + 1, seen)


def _bind_into(inner: _Scope, names: list[str], passed: dict[int | str, ast.AST],
               outer: _Scope) -> None:
    for key, argument in passed.items():
        name = names[key] if isinstance(key, int) and key < len(names) else key
        if not isinstance(name, str):
            continue
        held = _params_of(argument, outer)
        if held:
            inner.params[name] = held
        elif _is_request(argument):
            inner.consts.pop(name, None)
        else:
            value = _value(argument, outer)
            values = _names(argument, outer) or ([] if value is _MISSING else [value])
            if values:
                inner.consts[name] = values


def _is_request(node: ast.AST) -> bool:
    """The request, as every route and helper of the API names it: a helper handed it may
    read params(request) itself."""
    return isinstance(node, ast.Name) and node.id == "request"


def _bind(accessor: Callable[..., Any], node: ast.Call, scope: _Scope) -> dict[str, Any]:
    """The accessor's arguments, with its defaults, as far as they are constants."""
    args = [_value(a, scope) for a in node.args]
    kwargs = {k.arg: _value(k.value, scope) for k in node.keywords if k.arg}
    try:
        bound = inspect.signature(accessor).bind(None, *args, **kwargs)
    except (TypeError, ValueError):  # dict.get has no signature to bind
        return {}
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if v is not _MISSING}


def _names(node: ast.AST, scope: _Scope) -> list[str]:
    """The field names an argument may be: a constant, or each value a loop gives it."""
    if isinstance(node, ast.Name) and node.id in scope.consts:
        return list(scope.consts[node.id])
    value = _value(node, scope)
    return [value] if isinstance(value, str) else []


def _value(node: ast.AST, scope: _Scope) -> Any:
    """A constant expression's value (numbers, strings, tuples, names of constants)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_value(item, scope) for item in node.elts)
    if isinstance(node, ast.Name):
        if node.id in scope.consts and len(scope.consts[node.id]) == 1:
            return scope.consts[node.id][0]
        return scope.names.get(node.id, _MISSING)
    if isinstance(node, ast.Attribute):
        owner = _value(node.value, scope)
        return _MISSING if owner is _MISSING else getattr(owner, node.attr, _MISSING)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        number = _value(node.operand, scope)
        return -number if isinstance(number, (int, float)) else _MISSING
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _value(node.left, scope), _value(node.right, scope)
        if isinstance(left, int) and isinstance(right, int):
            return _OPS[type(node.op)](left, right)
    return _MISSING
