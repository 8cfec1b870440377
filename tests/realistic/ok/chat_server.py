"""A tiny chat service class: the model lives on `self`, generation settings in a GenerationConfig."""
from __future__ import annotations

import os

from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

DEFAULT_MODEL = os.environ.get("CHAT_MODEL", "Qwen/Qwen3-8B")


class ChatService:
    def __init__(self, model_id: str = DEFAULT_MODEL, attn: str = "sdpa") -> None:
        self.tokenizer = AutoTokenizer.from_pretrained(model_id)
        self.model = AutoModelForCausalLM.from_pretrained(
            model_id, attn_implementation=attn, torch_dtype="auto"
        )
        self.generation_config = GenerationConfig(max_new_tokens=512, temperature=0.7, do_sample=True)

    def reply(self, text: str) -> str:
        ids = self.tokenizer.apply_chat_template([{"role": "user", "content": text}], return_tensors="pt")
        out = self.model.generate(ids, generation_config=self.generation_config)
        return self.tokenizer.decode(out[0], skip_special_tokens=True)
