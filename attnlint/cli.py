"""The `attnlint` command: `check`, `fix`, `rule` and `probe`, with ruff's exit codes.

Exit codes: 0 when nothing is found (or `--exit-zero`), 1 when something is found, 2 when the run
itself is wrong (bad option, bad `[tool.attnlint]` key, bad version specifier, missing path) or
attnlint fails. Failures print one line to stderr; `ATTNLINT_DEBUG=1` shows the traceback.
`main(argv)` returns the code instead of exiting so tests can run the CLI in-process.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attnlint import __version__
from attnlint.report import FORMATS

if TYPE_CHECKING:
    from attnlint.knowledge.schema import Rule
    from attnlint.settings import Settings

# The checker, the rule base (and with them dataclasses, which imports inspect) and even json are
# imported by the command that needs them, not here: `attnlint --version` and `--help` then start
# about as fast as Python itself does (tests/test_startup.py holds a check to what it imports).

__all__ = ["add_selection", "build_parser", "main", "settings_for"]

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """The command line asks for something impossible; reported in one line, exit code 2."""


def _jobs(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return value


def _codes(text: str) -> list[str]:
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def add_selection(parser: argparse.ArgumentParser) -> None:
    """The options `check` and `fix` share: paths, rule selection, target, excludes, settings file."""
    parser.add_argument("paths", nargs="*", default=["."], help="files or folders to check (default: .)")
    parser.add_argument("--select", type=_codes, help="comma-separated rule codes or prefixes to enable")
    parser.add_argument("--extend-select", type=_codes, default=[], help="codes or prefixes to add")
    parser.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes to disable")
    parser.add_argument(
        "--transformers-version",
        metavar="SPEC",
        help="PEP 440 specifier of the transformers versions to check against (e.g. '==4.51.0')",
    )
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB", help="extra paths to skip")
    parser.add_argument(
        "--force-exclude", action="store_true", help="apply excludes to files named on the command line too"
    )
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="pyproject.toml to read [tool.attnlint] from"
    )


def _add_unsafe_fixes(parser: argparse.ArgumentParser, meaning: str) -> None:
    """`--unsafe-fixes` / `--no-unsafe-fixes` (None when neither is given: the setting decides)."""
    parser.add_argument("--unsafe-fixes", action="store_const", const=True, dest="unsafe_fixes", help=meaning)
    parser.add_argument(
        "--no-unsafe-fixes",
        action="store_const",
        const=False,
        dest="unsafe_fixes",
        help="do not apply (or show) unsafe fixes, whatever the settings say",
    )


def _add_output(parser: argparse.ArgumentParser) -> None:
    """`--output-format` and `--exit-zero`, which every reporting command reads."""
    parser.add_argument(
        "--output-format", choices=FORMATS, help="text (default; also `concise`), full, json, github or sarif"
    )
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when something is found")


def _add_fix_options(parser: argparse.ArgumentParser) -> None:
    """The options of `attnlint fix`: the check selection options plus the fix switches. They live
    here, not in `attnlint.fix`, so building the parser never imports the fix machinery (libcst)."""
    add_selection(parser)
    _add_output(parser)
    _add_unsafe_fixes(parser, "also apply unsafe fixes")
    parser.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    parser.add_argument(
        "--fix-pins",
        action="store_true",
        help="for findings without a safe code fix, narrow the transformers requirement instead "
        "(an unsafe fix: needs --unsafe-fixes)",
    )


def _add_strict(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict", action="store_true", default=None,
        help="also report, as warnings, findings whose context (dtype, device, precision) is not known",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attnlint",
        description="Find, fix and guard broken attention x KV-cache configurations in transformers code.",
    )
    parser.add_argument("--version", action="version", version=f"attnlint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{check,fix,rule,probe}")

    check = commands.add_parser("check", help="report broken attention/cache configurations")
    add_selection(check)
    _add_output(check)
    _add_strict(check)
    check.add_argument(
        "--output-file", type=Path, metavar="PATH", help="write the report to PATH instead of stdout"
    )
    check.add_argument(
        "--show-settings",
        action="store_true",
        help="print the settings, files, transformers target and rules that apply to PATHS, and why",
    )
    check.add_argument("--fix", action="store_true", help="apply safe fixes (as `attnlint fix`)")
    check.add_argument(
        "--no-cache", action="store_true", help="check every file afresh, without .attnlint_cache/"
    )
    check.add_argument(
        "--jobs", type=_jobs, default=None, metavar="N",
        help="processes that judge a large tree (default: one per CPU that the load average leaves idle; "
        "0: one per available CPU; 1: this one only)",
    )
    _add_unsafe_fixes(check, "also apply (or show) unsafe fixes")
    check.add_argument("--diff", action="store_true", help="print the fixes as a diff instead of writing")
    check.set_defaults(handler=_run_check)

    fix = commands.add_parser("fix", help="rewrite broken configurations in place")
    _add_fix_options(fix)
    _add_strict(fix)
    fix.set_defaults(handler=_run_fix)

    rule = commands.add_parser("rule", help="explain a rule (or all rules)")
    rule.add_argument("code", nargs="?", help="rule code, e.g. ATN101")
    rule.add_argument("--all", action="store_true", help="explain every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    rule.add_argument("--stats", action="store_true",
                      help="with --all: count the rules and those verified by reproduction")
    rule.set_defaults(handler=_run_rule)

    probe = commands.add_parser("probe", help="run attention x cache combinations on the installed stack")
    from attnlint.probe.options import add_arguments

    add_arguments(probe)
    probe.set_defaults(handler=_run_probe)
    return parser


def settings_for(args: argparse.Namespace) -> tuple[Settings, Path]:
    """`[tool.attnlint]` from `--config` or the project root, with the command line on top, and
    the project root (found from the working folder; `--config` only says where settings are).

    As in ruff, `--select` replaces the configured selection while `--extend-select`,
    `--ignore` and `--exclude` add to it. An empty selection means every rule, so extending it
    changes nothing. `--unsafe-fixes` / `--no-unsafe-fixes` win over the `unsafe-fixes` setting.
    """
    from dataclasses import replace

    from attnlint.settings import find_project_root, load_settings

    root = find_project_root(Path.cwd())
    if args.config is not None:
        if not args.config.is_file():
            raise UsageError(f"--config {args.config}: no such file")
        settings = load_settings(args.config.resolve())
    else:
        settings = load_settings(root)
    select = list(args.select) if args.select is not None else list(settings.select)
    update: dict[str, Any] = {
        "select": [*select, *settings.extend_select, *args.extend_select] if select else [],
        "ignore": [*settings.ignore, *args.ignore],
        "extend_exclude": [*settings.extend_exclude, *args.exclude],
    }
    unsafe_fixes = getattr(args, "unsafe_fixes", None)
    if unsafe_fixes is not None:
        update["unsafe_fixes"] = unsafe_fixes
    if getattr(args, "strict", None):
        update["strict"] = True
    return replace(settings, **update), root


def _run_fix(args: argparse.Namespace) -> int:
    """`attnlint fix` and `check --fix/--diff`: the fix machinery is imported only now."""
    from attnlint.fix.command import FixRequest, run

    settings, root = settings_for(args)
    request = FixRequest(
        paths=args.paths,
        settings=settings,
        root=root,
        transformers_version=args.transformers_version,
        force_exclude=args.force_exclude,
        diff=bool(args.diff),
        fix_pins=bool(getattr(args, "fix_pins", False)),
        output_format=args.output_format or settings.output_format,
        exit_zero=args.exit_zero,
    )
    return run(request)


def _run_check(args: argparse.Namespace) -> int:
    if args.fix or args.diff:
        return _run_fix(args)
    from attnlint.offered import reported
    from attnlint.project import check_paths
    from attnlint.report import render
    from attnlint.report.progress import Progress, summary_line
    from attnlint.report.style import wants_colour

    settings, root = settings_for(args)
    if args.show_settings:
        from attnlint.show_settings import render_settings

        sys.stdout.write(
            render_settings(
                args.paths, settings, args.transformers_version, root=root, config=args.config,
                force_exclude=args.force_exclude,
            )
        )
        return 0
    progress = Progress(sys.stderr)
    result = check_paths(
        args.paths,
        settings,
        args.transformers_version,
        root=root,
        force_exclude=args.force_exclude,
        cache=not args.no_cache,
        progress=progress,
        jobs=args.jobs,
        report=reported,
    )
    progress.clear()
    if not result.files_checked:
        print("attnlint: warning: no Python files or model folders found to check", file=sys.stderr)
    for notice in result.notices:
        print(f"attnlint: {notice}", file=sys.stderr)
    output_format = args.output_format or settings.output_format
    colour = args.output_file is None and wants_colour(sys.stdout)
    report = render(result.diagnostics, output_format, unsafe_fixes=settings.unsafe_fixes, colour=colour)
    if args.output_file is None:
        sys.stdout.write(report)
        sys.stdout.flush()
    else:
        _write_report(args.output_file, report)
    found, seconds = len(result.diagnostics), progress.elapsed()
    seen, parsed, cached = result.files_checked, result.files_parsed, result.files_from_cache
    progress.summary(summary_line(seen, parsed, cached, found, seconds))
    return 1 if result.diagnostics and not args.exit_zero else 0


def _run_probe(args: argparse.Namespace) -> int:
    """`attnlint probe`: torch and transformers are imported only by the worker process it starts."""
    from attnlint.probe.command import run
    from attnlint.probe.runner import ProbeError

    try:
        return run(args)
    except (ValueError, ProbeError) as exc:
        raise UsageError(str(exc)) from exc


def _write_report(path: Path, report: str) -> None:
    """The report to `--output-file` (its folder is created, as ruff does)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output-file {path}: {exc.strerror or exc}") from exc


def _rule_record(rule: Rule) -> dict[str, Any]:
    from dataclasses import asdict

    from attnlint.report.rule_docs import render_rule

    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "category": rule.category,
        "summary": rule.summary,
        "transformers": rule.transformers,
        "fix": rule.fixes[0].applicability if rule.fixes else None,
        "reproduced": [asdict(r) for r in rule.reproduced],
        "url": rule.url,
        "explanation": render_rule(rule),
    }


def _run_rule(args: argparse.Namespace) -> int:
    from attnlint.knowledge import rule_by_code, rules

    if args.all == bool(args.code):
        raise UsageError("give either a rule code or --all")
    if args.all:
        chosen = list(rules())
    else:
        rule = rule_by_code().get(args.code.upper())
        if rule is None:
            raise UsageError(f"unknown rule code {args.code!r} (see `attnlint rule --all`)")
        chosen = [rule]
    if args.stats:
        from attnlint.probe.status import stats

        sys.stdout.write(stats(chosen))
        return 0
    if args.output_format == "json":
        records = [_rule_record(r) for r in chosen]
        import json

        sys.stdout.write(json.dumps(records if args.all else records[0], indent=2) + "\n")
    else:
        from attnlint.report.rule_docs import render_rule

        sys.stdout.write("\n\n".join(render_rule(r).rstrip("\n") for r in chosen) + "\n")
    return 0


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return _exit_status(exc)
    from attnlint.extract.versions import VersionError
    from attnlint.knowledge import KnowledgeError
    from attnlint.settings import SettingsError
    from attnlint.walk import MissingPathError

    handler: Handler = args.handler
    try:
        return handler(args)
    except (UsageError, SettingsError, VersionError, MissingPathError, KnowledgeError) as exc:
        print(f"attnlint: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("attnlint: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("ATTNLINT_DEBUG") == "1":
            raise
        print(
            f"attnlint: internal error: {type(exc).__name__}: {exc} (ATTNLINT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 2
