# fix: target=">=4.50" unsafe
from transformers import AutoModelForCausalLM

ATTN = "flex_attention"
model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E", attn_implementation=ATTN)
print("attention:", ATTN)
out = model.generate(**inputs)
