"""`attnlint fix`: apply the edits of `attnlint.edits` in re-checked rounds, then write or diff.

`rounds.fix_unit` fixes one unit (a Python file or a model folder) and re-checks every candidate
with `engine.check_unit` in the unit's own context; `command.run` drives a whole run; `io` writes
files atomically; `pins` narrows requirement pins (`--fix-pins`). Nothing here is imported by
`attnlint check`: checking computes the same edits from `attnlint.edits` without the fixer.
"""
