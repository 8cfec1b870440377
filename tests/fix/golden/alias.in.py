# fix: target="==4.51.0"
import transformers as tf
from transformers import Llama4ForConditionalGeneration as L4

model = L4.from_pretrained("meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention")
out = model.generate(**inputs, generation_config=tf.GenerationConfig(max_new_tokens=8))
