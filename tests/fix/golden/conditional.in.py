# fix: target="==4.51.0"
import os

from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    attn_implementation="flex_attention",
)
out = model.generate(**inputs, cache_implementation="offloaded" if os.environ.get("LOW_MEM") else "dynamic")
