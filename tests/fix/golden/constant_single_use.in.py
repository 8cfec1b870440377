# fix: target=">=4.50" unsafe
from transformers import AutoModelForCausalLM

ATTN = 'flex_attention'  # chosen for speed
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E", attn_implementation=ATTN)
out = model.generate(**inputs)
