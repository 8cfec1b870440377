"""Low-latency decoding: a plain Llama with a static cache and SDPA (torch.compile friendly)."""
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StaticCache

checkpoint = "meta-llama/Meta-Llama-3.1-8B-Instruct"
tokenizer = AutoTokenizer.from_pretrained(checkpoint)
model = AutoModelForCausalLM.from_pretrained(
    checkpoint, attn_implementation="sdpa", torch_dtype=torch.bfloat16
)
model.to("cuda")
model.generation_config.cache_implementation = "static"
model.forward = torch.compile(model.forward, mode="reduce-overhead", fullgraph=True)

inputs = tokenizer(["The theory of special relativity states "], return_tensors="pt").to("cuda")
outputs = model.generate(**inputs, max_new_tokens=64)
print(tokenizer.batch_decode(outputs, skip_special_tokens=True))

# Reusing an explicit cache across calls.
past_key_values = StaticCache(
    config=model.config, max_batch_size=1, max_cache_len=1024, device="cuda", dtype=torch.bfloat16
)
outputs = model.generate(**inputs, past_key_values=past_key_values, max_new_tokens=32)
