"""The founding case: Llama 4 with flex attention and the cache generate() builds by default.

On transformers 4.51.0 the first forward of generate() raises
TypeError: pad(): argument 'pad' failed to unpack the object at pos 2 ...
because a DynamicCache has no maximum length (transformers#37323).
"""

from transformers import AutoProcessor, Llama4ForConditionalGeneration

MODEL_ID = "meta-llama/Llama-4-Scout-17B-16E-Instruct"

processor = AutoProcessor.from_pretrained(MODEL_ID)
model = Llama4ForConditionalGeneration.from_pretrained(
    MODEL_ID,
    attn_implementation="flex_attention",
    torch_dtype="bfloat16",
    device_map="auto",
)

messages = [{"role": "user", "content": [{"type": "text", "text": "Write a haiku about caches."}]}]
inputs = processor.apply_chat_template(messages, add_generation_prompt=True, return_dict=True, return_tensors="pt")
outputs = model.generate(**inputs, max_new_tokens=64)
print(processor.batch_decode(outputs[:, inputs["input_ids"].shape[-1]:])[0])
