"""The sandbox the layouts run in: Jinja's own, with a shorter way through for plain values.

Jinja's SandboxedEnvironment checks every `a.b` of a layout: an attribute is refused if its name
starts with "_" or it is one of the internals of a function, method, class, code object, frame,
traceback, generator or coroutine, and a `str.format` it finds is wrapped. A page makes about
150 such lookups, nearly all on the model's own dataclasses (Heading, Document, SiteConfig …),
for which that verdict is the first rule alone; the whole check cost ~5 % of a cold build.
Here an object whose type is none of those kinds gets the first rule directly, and its value is
returned unless it is a method (a `str.format` must still be wrapped); every other lookup goes
through Jinja's own check, unchanged.
"""
from __future__ import annotations

import types

from jinja2.sandbox import SandboxedEnvironment

# the kinds of object whose attributes Jinja's is_internal_attribute looks at one by one
INTERNAL_KINDS = (types.FunctionType, types.MethodType, type, types.CodeType,
                  types.TracebackType, types.FrameType, types.GeneratorType,
                  types.CoroutineType, types.AsyncGeneratorType)
# a value of these kinds may be a bound `str.format`, which Jinja wraps (neither can be subclassed)
METHOD_KINDS = (types.MethodType, types.BuiltinMethodType)


class LayoutSandbox(SandboxedEnvironment):
    """Jinja's sandbox, answering a public attribute of a plain object without its full check."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_kinds: dict[type, bool] = {}  # type → none of INTERNAL_KINDS

    def getattr(self, obj, attribute):
        kind = type(obj)
        plain = self._plain_kinds.get(kind)
        if plain is None:
            plain = self._plain_kinds[kind] = not issubclass(kind, INTERNAL_KINDS)
        # Jinja asks isinstance, which also believes an object's __class__: a proxy (weakref,
        # a mock) of a generator is one to Jinja, not to type(); such an object takes its way
        if plain and attribute[:1] != "_" and obj.__class__ is kind:
            try:
                value = getattr(obj, attribute)
            except AttributeError:  # a key of a mapping, or undefined: Jinja's way
                pass
            else:
                if type(value) not in METHOD_KINDS:
                    return value
        return super().getattr(obj, attribute)
