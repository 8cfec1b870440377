"""The device fact: a model loaded without a device and never moved runs on the CPU.

Rules about the CPU (ATN114 here: flex on CPU on 4.51-4.55) fire on such code, with the load's line
in the message; wherever the device is not known (a call that may move the model, a load that places the model
itself, a model not run in the file) they stay silent; a device chosen at run time (device_map="auto",
a pipeline given no device), the CPU on a machine without a GPU, makes them a warning.
"""

from __future__ import annotations

from textwrap import dedent

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.engine import check_source
from attnlint.extract.python import extract_python
from attnlint.facts import Target

ON_451 = Target(transformers=SpecifierSet("==4.51.0"), reason="the test pins")
LOAD = (
    'model = AutoModelForCausalLM.from_pretrained('
    '"meta-llama/Llama-3.2-1B", attn_implementation="flex_attention"'
)


def _codes(body: str, strict: bool = False) -> list[tuple[str, str]]:
    text = "import torch\nfrom transformers import AutoModelForCausalLM, Trainer, pipeline\n" + dedent(body)
    found = check_source(text, "run.py", target=ON_451, strict=strict, select=("ATN114",))
    return [(d.code, d.severity) for d in found]


ON_CPU = {
    "no device": f"{LOAD})\nmodel.generate(ids)\n",
    "device_map=None": f"{LOAD}, device_map=None)\nmodel.generate(ids)\n",
    "from_config": (
        'model = AutoModelForCausalLM.from_config(config, attn_implementation="flex_attention")\n'
        "model.generate(ids)\n"
    ),
    "moved back": f'{LOAD}, device_map="cuda")\nmodel.cpu()\nmodel.generate(ids)\n',
    "printed": f"{LOAD})\nprint(model)\nmodel.generate(ids)\n",
    "a readable spread": (
        f'kwargs = {{"torch_dtype": torch.float32}}\n{LOAD}, **kwargs)\nmodel.generate(ids)\n'
    ),
    "pipeline on the cpu": (
        f'{LOAD})\nchat = pipeline("text-generation", model=model, device="cpu")\nchat("hi")\n'
    ),
}

NOT_KNOWN = {
    "device_map=cuda": f'{LOAD}, device_map="cuda")\nmodel.generate(ids)\n',
    "moved": f'{LOAD}).to("cuda")\nmodel.generate(ids)\n',
    "cuda()": f"{LOAD})\nmodel.cuda()\nmodel.generate(ids)\n",
    "moved to a variable": f"{LOAD})\nmodel.to(device)\nmodel.generate(ids)\n",
    "moved, then a pipeline without a device": (
        f'{LOAD}).cuda()\nchat = pipeline("text-generation", model=model)\nchat("hi")\n'
    ),
    "trainer": f"{LOAD})\ntrainer = Trainer(model=model)\nmodel.generate(ids)\n",
    "prepare, bare statement": f"{LOAD})\naccelerator.prepare(model)\nmodel.generate(ids)\n",
    "project helper": f"{LOAD})\nplace(model)\nmodel.generate(ids)\n",
    # Python reads an identifier in its NFKC form: a fullwidth m (U+FF4D) names the same model
    "project helper, the name spelled otherwise": f"{LOAD})\nplace(\uff4dodel)\nmodel.generate(ids)\n",
    "quantized": f"{LOAD}, quantization_config=bnb)\nmodel.generate(ids)\n",
    "unreadable spread": f"{LOAD}, **load_kwargs)\nmodel.generate(ids)\n",
    "device context": f'with torch.device("cuda"):\n    {LOAD})\nmodel.generate(ids)\n',
    "default device": f'torch.set_default_device("cuda")\n{LOAD})\nmodel.generate(ids)\n',
    "not run here": f"{LOAD})\n",
    "auto on a branch": f'{LOAD}, device_map="auto" if gpu else "cuda:0")\nmodel.generate(ids)\n',
}
#: device_map values that pick the device at run time: the GPU when there is one, else the CPU.
RUN_TIME = {
    value: f'{LOAD}, device_map="{value}")\nmodel.generate(ids)\n' for value in ("auto", "sequential")
}

#: A pipeline given no device: GPU 0 when there is one, else the CPU (pipelines/base.py, 4.51-5.24).
PIPELINE_PICKS = {
    "a loaded model": f'{LOAD})\nchat = pipeline("text-generation", model=model)\nchat("hi")\n',
    "a model id": (
        'chat = pipeline("text-generation", model="meta-llama/Llama-3.2-1B", '
        'model_kwargs={"attn_implementation": "flex_attention"})\nchat("hi")\n'
    ),
}


@pytest.mark.parametrize("body", ON_CPU.values(), ids=ON_CPU.keys())
def test_a_model_never_placed_elsewhere_runs_on_the_cpu(body: str) -> None:
    assert _codes(body) == [("ATN114", "error")]


@pytest.mark.parametrize("body", NOT_KNOWN.values(), ids=NOT_KNOWN.keys())
def test_a_device_that_is_not_known_stays_silent(body: str) -> None:
    assert _codes(body) == []


def test_the_message_names_the_line_of_the_load() -> None:
    [diagnostic] = check_source(
        "from transformers import AutoModelForCausalLM\n\n" + ON_CPU["no device"], target=ON_451,
        select=("ATN114",),
    )
    assert "on device 'cpu' (loaded on line 3 without a device and never moved)" in diagnostic.message


def test_the_fact_carries_its_source_line() -> None:
    [use] = extract_python("from transformers import AutoModelForCausalLM\n" + ON_CPU["no device"], "run.py")
    [device] = use.flags["device"]
    assert (device.value, device.origin, device.span) == ("cpu", "implied", None)
    assert device.site is not None and device.site.row == 2


@pytest.mark.parametrize("strict", [False, True], ids=["plain", "strict"])
@pytest.mark.parametrize("body", RUN_TIME.values(), ids=RUN_TIME.keys())
def test_a_run_time_device_map_warns_of_the_cpu_it_may_pick(body: str, strict: bool) -> None:
    """The seed loads with device_map="auto": on a machine without a GPU that is the CPU, where its
    hybrid-fixed flex still raises (ATN114), so plain check and fix say so, as a warning."""
    assert _codes(body, strict=strict) == [("ATN114", "warning")]
    [diagnostic] = check_source(
        "from transformers import AutoModelForCausalLM\n" + body, target=ON_451, strict=strict,
        select=("ATN114",),
    )
    assert "on device 'auto'" in diagnostic.message or "on device 'sequential'" in diagnostic.message
    assert "chooses the device at run time: the CPU on a machine without a GPU)" in diagnostic.message


@pytest.mark.parametrize("body", PIPELINE_PICKS.values(), ids=PIPELINE_PICKS.keys())
def test_a_pipeline_without_a_device_warns_of_the_cpu_it_may_pick(body: str) -> None:
    [diagnostic] = check_source(
        "from transformers import AutoModelForCausalLM, pipeline\n" + body, target=ON_451, select=("ATN114",),
    )
    assert diagnostic.severity == "warning"
    assert "pipeline() given no device puts the model on GPU 0 when there is one" in diagnostic.message


def test_strict_reports_a_device_on_one_branch_as_uncertain() -> None:
    [diagnostic] = check_source(
        "from transformers import AutoModelForCausalLM\n" + NOT_KNOWN["auto on a branch"], target=ON_451,
        strict=True, select=("ATN114",),
    )
    assert diagnostic.severity == "warning" and "(uncertain: device not known to hold)" in diagnostic.message

