"""Guarded flex masks: one hook module per transformers band, sharing the block builder.

- 4.51.x / 4.52.x (`legacy`): no mask extension point; `Llama4TextModel._update_causal_mask` is
  replaced on the class by a dispatcher that only acts for guarded models.
- 4.53+ (`interface`): `AttentionMaskInterface.register("flex_attention", ...)`, public API.
"""

from __future__ import annotations

import transformers
from packaging.version import Version

from attnlint.runtime.hooks import Handler, Installer
from attnlint.runtime.masks import interface, legacy


def has_mask_interface() -> bool:
    return Version(transformers.__version__) >= Version("4.53")


def llama4_mask_route() -> tuple[str, Installer, Handler]:
    """(extension point, installer, handler) of the Llama4 spec mask for the installed transformers."""
    if has_mask_interface():
        return interface.POINT, interface.install, interface.spec_handler
    return legacy.POINT, legacy.install, legacy.spec_handler
