# fix: target="==4.51.0"
from transformers import AutoModelForCausalLM, GenerationConfig

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E", attn_implementation="flex_attention")
config = GenerationConfig(max_new_tokens=32)
out = model.generate(**inputs, generation_config=config)
