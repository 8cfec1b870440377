"""`attnlint fix`: apply the edits of `attnlint.edits` in re-checked rounds, then write or diff.

`rounds.fix_unit` fixes one unit (a Python file or a model folder) and re-checks every candidate
with `engine.check_unit` in the unit's own context; `command.run` drives a whole run; `io` writes
files atomically; `pins` narrows requirement pins (`--fix-pins`). `attnlint check` imports only
`available` (and the rounds), and only for a file with a fix: it offers the fixes the rounds keep.
"""
