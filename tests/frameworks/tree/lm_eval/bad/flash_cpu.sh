# expect: ATN109
lm_eval --model hf --model_args "pretrained=Qwen/Qwen2.5-0.5B,attn_implementation=flash_attention_2,dtype=bfloat16" --device cpu --tasks hellaswag
