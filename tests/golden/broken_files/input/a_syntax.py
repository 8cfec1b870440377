from transformers import AutoModel

model = AutoModel.from_pretrained("x", attn_implementation="sdpa"
