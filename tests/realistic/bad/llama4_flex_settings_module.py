# expect: ATN101, ATN113, ATN114, ATN206
"""Settings kept as module constants and a kwargs dict, used inside a function."""
import transformers as tf

MODEL = "meta-llama/Llama-4-Maverick-17B-128E-Instruct"
ATTN_IMPL = "flex_attention"
LOAD_KWARGS = {"attn_implementation": ATTN_IMPL, "torch_dtype": "bfloat16"}


def load():
    return tf.AutoModelForCausalLM.from_pretrained(MODEL, **LOAD_KWARGS)


def run(batch):
    model = tf.AutoModelForCausalLM.from_pretrained(MODEL, **LOAD_KWARGS)
    return model.generate(**batch, max_new_tokens=32)
