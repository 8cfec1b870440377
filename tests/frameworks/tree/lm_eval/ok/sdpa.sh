# expect:
lm_eval --model hf --model_args pretrained=meta-llama/Llama-3.1-8B,attn_implementation=sdpa,dtype=bfloat16 --tasks mmlu
