# expect: ATN101, ATN113, ATN114
from transformers import pipeline

generator = pipeline(
    "text-generation",
    model="meta-llama/Llama-4-Scout-17B-16E-Instruct",
    model_kwargs={"attn_implementation": "flex_attention", "torch_dtype": "bfloat16"},
)
print(generator("Tell me a joke", max_new_tokens=40))
