"""The layouts' sandbox answers every attribute lookup exactly as Jinja's own sandbox does: its
shorter way for the model's plain objects lets through nothing Jinja's check refuses."""
from __future__ import annotations

import datetime as dt
import itertools
import sys
import weakref

import pytest
from jinja2 import StrictUndefined, Undefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from gazette_build.model import Heading, Links
from gazette_build.sandbox import LayoutSandbox


class Plain:
    """An object of the layouts' own kind, with a field, a property and a method."""
    __slots__ = ("title",)

    def __init__(self):
        self.title = "通知"

    @property
    def url(self):
        return "2024/01/first/"

    def label(self):
        return "第1期"


def _generator():
    yield 1


async def _coroutine():
    return 1


async def _async_generator():
    yield 1


def _traceback():
    try:
        raise ValueError
    except ValueError as exc:
        return exc.__traceback__


_GENERATOR = _generator()
_COROUTINE = _coroutine()
_COROUTINE.close()  # never awaited: closed, without a warning


OBJECTS = {
    "heading": Heading(2, "一、总则", "a1"), "links": Links(), "plain": Plain(),
    "dict": {"title": "通知", "items": 1, "_hidden": 2}, "str": "晋中", "markup": Markup("<b>"),
    "date": dt.date(2024, 1, 31), "tuple": (1, 2), "none": None, "function": _generator,
    "method": Plain().label, "class": Plain, "generator": _GENERATOR, "builtin": len,
    "code": _generator.__code__, "coroutine": _COROUTINE, "async generator": _async_generator(),
    "traceback": _traceback(), "frame": sys._getframe(), "proxy of a generator":
    weakref.proxy(_GENERATOR), "proxy of a plain object": weakref.proxy(Plain),
}
ATTRIBUTES = ["title", "url", "label", "level", "text", "items", "_hidden", "__class__",
              "__init__", "__globals__", "__code__", "__func__", "__self__", "mro", "format",
              "format_map", "upper", "year", "isoformat", "gi_frame", "gi_code", "co_code",
              "missing", "_", "__slots__", "func_globals", "im_func", "cr_frame", "cr_code",
              "ag_frame", "ag_code", "tb_frame", "tb_next", "f_globals", "f_back", "gi_yieldfrom"]


def _answer(env, obj, attribute):
    """What a layout gets: a value, a wrapped `str.format` (told by what it formats), or an
    undefined with its message and the error it raises."""
    value = env.getattr(obj, attribute)
    if isinstance(value, Undefined):
        return ("undefined", type(value), value._undefined_hint, value._undefined_exception)
    if getattr(value, "__name__", None) in ("format", "format_map") and \
            getattr(value, "__wrapped__", None) is not None:
        return ("wrapped", value.__wrapped__, value({"x": 1}) if attribute == "format_map"
                else value(1, 2))
    return ("value", value)


@pytest.mark.parametrize("name,attribute", list(itertools.product(OBJECTS, ATTRIBUTES)))
def test_every_lookup_is_answered_as_jinja_answers_it(name, attribute):
    ours = LayoutSandbox(undefined=StrictUndefined)
    jinjas = SandboxedEnvironment(undefined=StrictUndefined)
    obj = OBJECTS[name]
    assert _answer(ours, obj, attribute) == _answer(jinjas, obj, attribute)


def test_a_layout_cannot_reach_python_through_a_model_object():
    env = LayoutSandbox(undefined=StrictUndefined)
    for source in ("{{ heading.__class__ }}", "{{ heading.text.__class__.mro() }}",
                   "{{ '{0.__class__}'.format(heading) }}", "{{ plain.label.__func__ }}"):
        with pytest.raises(Exception, match="is unsafe"):
            env.from_string(source).render(heading=OBJECTS["heading"], plain=Plain())
    assert env.from_string("{{ heading.text }}·{{ plain.url }}·{{ plain.label() }}").render(
        heading=OBJECTS["heading"], plain=Plain()) == "一、总则·2024/01/first/·第1期"
