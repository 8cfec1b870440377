"""Pick FlashAttention 2 on GPU machines and SDPA elsewhere."""
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

model_name = "mistralai/Mistral-7B-Instruct-v0.3"
attn_implementation = "flash_attention_2" if torch.cuda.is_available() else "sdpa"

tokenizer = AutoTokenizer.from_pretrained(model_name)
tokenizer.padding_side = "left"
model = AutoModelForCausalLM.from_pretrained(
    model_name,
    attn_implementation=attn_implementation,
    torch_dtype=torch.bfloat16,
    device_map="auto",
)

messages = [{"role": "user", "content": "Write a haiku about caches."}]
input_ids = tokenizer.apply_chat_template(
    messages, add_generation_prompt=True, return_tensors="pt"
).to(model.device)
generated = model.generate(input_ids, max_new_tokens=64)
print(tokenizer.decode(generated[0][input_ids.shape[-1]:], skip_special_tokens=True))
