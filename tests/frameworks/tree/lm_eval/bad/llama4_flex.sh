#!/usr/bin/env bash
# expect: ATN101
set -euo pipefail
lm_eval --model hf \
    --model_args pretrained=meta-llama/Llama-4-Scout-17B-16E-Instruct,attn_implementation=flex_attention,dtype=bfloat16 \
    --tasks gsm8k --batch_size 8
