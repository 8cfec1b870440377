"""Speculative decoding with a small assistant model sharing the tokenizer."""
from transformers import AutoModelForCausalLM, AutoTokenizer


def load(checkpoint: str, assistant_checkpoint: str):
    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint, torch_dtype="auto", attn_implementation="sdpa")
    assistant = AutoModelForCausalLM.from_pretrained(assistant_checkpoint, torch_dtype="auto")
    return model, assistant, tokenizer


model, assistant_model, tokenizer = load("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")
inputs = tokenizer("Alice and Bob", return_tensors="pt")
outputs = model.generate(**inputs, assistant_model=assistant_model, max_new_tokens=64)
print(tokenizer.batch_decode(outputs, skip_special_tokens=True))
