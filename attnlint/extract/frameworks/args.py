"""`k=v,k=v` argument strings (lm-evaluation-harness `--model_args`), in YAML and in shell scripts.

lm-evaluation-harness passes the model's keyword arguments as one string,
`pretrained=org/model,attn_implementation=sdpa,dtype=bfloat16`; each value's offsets inside the
file are kept so that a fix replaces exactly that value. In a shell script each `--model_args`
occurrence is one evaluation run; a `--device` in the same command (backslash continuations
joined) counts as that run's device.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from attnlint.records import record

__all__ = ["ArgValue", "ShellRun", "parse_args", "shell_runs"]

_MODEL_ARGS = re.compile(
    r"--model_args(?:=|[ \t]+)(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s\"']+))"
)
_DEVICE = re.compile(r"--device(?:=|[ \t]+)[\"']?(?P<device>[A-Za-z0-9_:]+)")
_COMMAND_END = re.compile(r"(?<!\\)\n")


@record
class ArgValue:
    """One `key=value` of an argument string, and the offsets of the value in the whole text."""

    key: str
    value: str
    start: int
    end: int


def parse_args(text: str, offset: int) -> dict[str, ArgValue]:
    """The `key=value` pairs of `text`, which starts at `offset` in the file (later keys win)."""
    found: dict[str, ArgValue] = {}
    position = 0
    for part in text.split(","):
        key, equals, value = part.partition("=")
        if equals and key.strip():
            start = offset + position + len(key) + 1
            stripped = value.strip()
            start += len(value) - len(value.lstrip())
            found[key.strip()] = ArgValue(key.strip(), stripped, start, start + len(stripped))
        position += len(part) + 1
    return found


@record
class ShellRun:
    """One `--model_args` of a shell script: its arguments, the command's span and its `--device`."""

    args: dict[str, ArgValue]
    command_start: int
    command_end: int
    device: ArgValue | None


def shell_runs(text: str) -> Iterator[ShellRun]:
    """Every `--model_args` of a shell script, with the command it belongs to."""
    for match in _MODEL_ARGS.finditer(text):
        group = next(g for g in ("dq", "sq", "bare") if match.group(g) is not None)
        begin = text.rfind("\n", 0, match.start()) + 1
        while begin > 1 and text[begin - 2] == "\\":
            begin = text.rfind("\n", 0, begin - 2) + 1
        end_match = _COMMAND_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        device_match = _DEVICE.search(text, begin, end)
        device = None
        if device_match is not None:
            d_start, d_end = device_match.span("device")
            device = ArgValue("device", device_match["device"], d_start, d_end)
        yield ShellRun(parse_args(match.group(group), match.start(group)), begin, end, device)
