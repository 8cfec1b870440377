"""`attnlint probe`: run attention x cache combinations on the installed transformers and torch.

The rules are claims about another library's behaviour; the probe is how they are checked. It
builds tiny random-weight models from the real config classes, runs each combination in its own
forked process with a time limit, and compares it with eager attention on the same weights.

Only `worker.py` and `models.py` import torch and transformers, and only inside the worker process
that `runner.py` starts, so importing this package (and `attnlint check`/`fix`) stays light.
"""
