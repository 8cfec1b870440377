"""`attnlint check --show-settings`: what a run would do for some paths, and why.

When a finding is missing or unexpected, the question is nearly always one of: which settings
file was read, which files were picked up (and whether the byte test let them be parsed), which
transformers releases each file is judged on and where that window comes from, and which rules
are selected and can fire on those releases. This prints exactly that, from the same functions
`check` runs (settings, discovery, per-project targets, rule selection), the way ruff's
`--show-settings` helps debug its configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from attnlint.engine import selected
from attnlint.facts import Target
from attnlint.knowledge import rules
from attnlint.prefilter import worth_parsing
from attnlint.project import discover_paths, display_path, project_targets
from attnlint.releases import candidate_versions, version_ranges
from attnlint.settings import Settings, settings_file
from attnlint.source import is_framework_file

__all__ = ["render_settings"]


def _kind(path: Path) -> str:
    """What a discovered file is, and whether its bytes get it parsed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if is_framework_file(path.name):
        kind = "framework config or launch script"
    else:
        kind = "notebook" if path.suffix == ".ipynb" else "python"
    parsed = worth_parsing(path.name, data)
    return f"{kind}, {'parsed' if parsed else 'skipped by the byte test'}"


def _window(target: Target) -> str:
    releases = candidate_versions(target)
    spec = str(target.transformers) or "any"
    known = version_ranges(releases) if releases else "no known release"
    return f"transformers {spec} ({known}), because {target.reason}"


def render_settings(
    paths: Sequence[str],
    settings: Settings,
    override: str | None,
    *,
    root: Path,
    config: Path | None,
    force_exclude: bool,
) -> str:
    """The report: settings source and values, files, targets per project, rules."""
    source = config or settings_file(Path.cwd())
    lines = [
        f"Project root: {root}",
        f"Settings file: {source if source else 'none (defaults)'}",
        "Settings:",
        *(f"  {name.replace('_', '-')} = {value!r}" for name, value in asdict(settings).items()),
    ]
    found = discover_paths(paths, settings, root, force_exclude)
    entries = [(p, _kind(p)) for p in found.sources] + [(f, "model folder") for f in found.config_folders]
    placed = project_targets([p for p, _ in entries], settings, override, root)
    lines.append(f"Files ({len(entries)}):")
    targets: dict[Path, Target] = {}
    for (path, kind), (project, target) in zip(entries, placed, strict=True):
        where = display_path(project) or "."
        lines.append(f"  {display_path(path)}: {kind}; judged with the project at {where}")
        targets[project] = target
    lines.append("Targets:")
    lines += [f"  {display_path(project) or '.'}: {_window(target)}" for project, target in targets.items()]
    lines.append("  (each file is judged on the releases of its window that its own code can run on)")
    chosen = [rule for rule in rules() if selected(rule.code, settings.select, settings.ignore)]
    lines.append(f"Rules ({len(chosen)} selected):")
    for rule in chosen:
        hits = {v for target in targets.values() for v in candidate_versions(target, rule.transformers)}
        where = f"can fire on {version_ranges(sorted(hits))}" if hits else "cannot fire on these targets"
        lines.append(f"  {rule.code} {rule.name}: transformers {rule.transformers or 'any'}; {where}")
    return "\n".join(lines) + "\n"
