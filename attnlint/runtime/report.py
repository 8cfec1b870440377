"""The guard's report: which rules matched the live model and what the guard did about each."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Action = Literal["repaired", "fixed", "raised", "warned", "unrepaired"]


class RuleAction(BaseModel):
    """One matched rule and the guard's answer to it."""

    code: str
    name: str
    message: str
    action: Action
    detail: str = ""
    when: str = "guard"


class GuardReport(BaseModel):
    """Printable summary; `patched` names every attribute the guard replaced, `changed` every setting."""

    mode: Literal["repair", "raise", "warn"]
    transformers: str
    torch: str
    device: str
    model_types: list[str]
    attn: str | None
    matched: list[RuleAction] = Field(default_factory=list)
    patched: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    #: the newest release the knowledge base knows, set when the installed transformers is not one of
    #: its releases: then no rule was checked
    unknown_release: str | None = None

    @property
    def installed_nothing(self) -> bool:
        return not self.patched and not self.changed

    def unknown_text(self) -> str:
        return (f"transformers {self.transformers} is not a release attnlint knows (newest known: "
                f"{self.unknown_release}); no rule was checked and nothing installed")

    def __str__(self) -> str:
        head = (
            f"attnlint guard ({self.mode}) on {'/'.join(self.model_types) or 'model'}, attn={self.attn}, "
            f"device={self.device}, transformers {self.transformers}, torch {self.torch}"
        )
        lines = [head]
        if self.unknown_release is not None:
            lines.append(f"  {self.unknown_text()}")
        elif not self.matched:
            lines.append("  no known problem matches; nothing installed")
        for item in self.matched:
            lines.append(f"  {item.code} {item.name} [{item.when}]: {item.action}" +
                         (f" ({item.detail})" if item.detail else ""))
            lines.append(f"      {item.message}")
        lines.extend(f"  patched: {name}" for name in self.patched)
        lines.extend(f"  changed: {name}" for name in self.changed)
        if self.matched and self.installed_nothing:
            lines.append("  nothing installed")
        return "\n".join(lines)
