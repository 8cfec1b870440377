"""Attention visualisation: output_attentions needs the eager implementation."""
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

name = "gpt2"
tokenizer = AutoTokenizer.from_pretrained(name)
model = AutoModelForCausalLM.from_pretrained(name, attn_implementation="eager").eval()

inputs = tokenizer("Attention is all you need", return_tensors="pt")
with torch.no_grad():
    outputs = model(**inputs, output_attentions=True)
for layer, attn in enumerate(outputs.attentions):
    print(layer, attn.shape)
