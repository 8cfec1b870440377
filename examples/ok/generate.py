"""A configuration attnlint has nothing to say about: Llama 4 on transformers >= 4.53 with SDPA."""

from transformers import AutoTokenizer, Llama4ForCausalLM

MODEL_ID = "meta-llama/Llama-4-Scout-17B-16E-Instruct"

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = Llama4ForCausalLM.from_pretrained(MODEL_ID, attn_implementation="sdpa", torch_dtype="bfloat16")

inputs = tokenizer("Caches are", return_tensors="pt")
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=16)[0]))
