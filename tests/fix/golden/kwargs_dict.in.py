# fix: target="==4.51.0"
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E", attn_implementation="flex_attention")
gen_kwargs = {
    "max_new_tokens": 32,
    "do_sample": False,
}
out = model.generate(**inputs, **gen_kwargs)
