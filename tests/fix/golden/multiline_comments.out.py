# fix: target="==4.51.0"
from transformers import Llama4ForConditionalGeneration


def run(inputs):
    model = Llama4ForConditionalGeneration.from_pretrained(
        "meta-llama/Llama-4-Scout-17B-16E-Instruct",
        attn_implementation="flex_attention",  # fast masks
    )
    return model.generate(
        **inputs,  # from the tokenizer
        # sampling settings
        do_sample=False,
        max_new_tokens=32,  # short answers
        cache_implementation="hybrid",
    )
