"""The shape of knowledge/calls.toml: which call takes which setting, and the cache constructors.

Kept apart from `schema` (the rules and the vocabulary) because it describes calls, not settings:
attnlint/signatures.py judges a file's calls with it (rules ATN140 and ATN141). Plain frozen
dataclasses like every knowledge record, validated by pydantic when the TOML is compiled.
"""

from __future__ import annotations

from typing import Literal

from attnlint.knowledge.schema import Ranged, Record
from attnlint.records import record

Callee = Literal["generate", "from_pretrained", "from_config", "model"]


@record(kw_only=True)
class RefusedKeywords(Ranged):
    """Settings a call does not take on some releases, and what it raises there (calls.toml).

    `call` is `generate`, `from_pretrained`, `from_config` (and `_from_config`) or `model` (a model
    class called with a config). `move_to` names the call that takes the setting (`load`: the
    model's from_pretrained; `generate`: its generate call or GenerationConfig), for the fix.
    """

    call: Callee
    keywords: tuple[str, ...]
    transformers: str = ""
    error: str
    instead: str
    move_to: Literal["load", "generate", ""] = ""


@record(kw_only=True)
class ConfigField(Ranged):
    """A setting some model types' configuration takes, so `from_pretrained` hands it to the config."""

    keyword: str
    model_types: tuple[str, ...]
    transformers: str


@record(kw_only=True)
class Signature(Ranged):
    """A cache class's constructor on some releases, as Python binds a call to it.

    `params` are the positional-or-keyword parameters after `self`, of which the first `required`
    have no default; `varargs`/`varkw` say whether it takes `*args`/`**kwargs`. `bound` names the
    parameters a forwarding constructor (`def __init__(self, *args, **kwargs): super().__init__(
    layer_classes=..., *args, **kwargs)`) passes itself: a positional argument landing there, or
    the same keyword, is "got multiple values". Those fields are generated from the wheels;
    `refuses` and `needs_one_of` are added by hand where a constructor takes `**kwargs` and a
    TypeError comes from deeper down (4.54-4.55 build their layers from them), each verified by
    building the cache on those releases. `flags` are the parameters that take True or False
    (annotated `bool` in cache_utils.py): a number landing there positionally (`StaticCache(config,
    1, 1024)` on 4.56+: max_cache_len=1, offloading=1024) means the arguments follow another
    release's order, which binds without a TypeError and fails later.
    """

    name: str
    transformers: str
    params: tuple[str, ...] = ()
    required: int = 0
    varargs: bool = False
    varkw: bool = False
    bound: tuple[str, ...] = ()
    refuses: tuple[str, ...] = ()
    needs_one_of: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@record(kw_only=True)
class CallTables(Record):
    """calls.toml: which call takes which setting on which release, and the cache constructors."""

    refused: tuple[RefusedKeywords, ...]
    config_fields: tuple[ConfigField, ...] = ()
    signatures: tuple[Signature, ...] = ()
