# expect: ATN101, ATN112, ATN114, ATN206
"""Multi-turn chat that keeps an explicit DynamicCache between turns.

Loaded without a device and run here, so on the CPU (ATN114, ATN206).
"""
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

model_id = "meta-llama/Llama-4-Scout-17B-16E-Instruct"
tokenizer = AutoTokenizer.from_pretrained(model_id)
model = AutoModelForCausalLM.from_pretrained(model_id, attn_implementation="sdpa")
model.set_attn_implementation("flex_attention")  # try the faster kernel
cache = DynamicCache()
for turn in ["Hi", "And then?"]:
    ids = tokenizer.apply_chat_template([{"role": "user", "content": turn}], return_tensors="pt")
    out = model.generate(ids, past_key_values=cache, max_new_tokens=20)
