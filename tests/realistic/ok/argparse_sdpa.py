"""Batch inference script with the attention implementation chosen on the command line."""

import argparse

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="meta-llama/Llama-3.1-8B-Instruct")
    parser.add_argument(
        "--attn-implementation", default="sdpa", choices=["eager", "sdpa", "flash_attention_2"]
    )
    parser.add_argument("--max-new-tokens", type=int, default=128)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    tokenizer = AutoTokenizer.from_pretrained(args.model, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(
        args.model,
        attn_implementation=args.attn_implementation,
        torch_dtype=torch.bfloat16,
        device_map="auto",
    )
    prompts = ["The capital of France is", "def fibonacci(n):"]
    inputs = tokenizer(prompts, return_tensors="pt", padding=True).to(model.device)
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=args.max_new_tokens, do_sample=False)
    print(tokenizer.batch_decode(out, skip_special_tokens=True))


if __name__ == "__main__":
    main()
