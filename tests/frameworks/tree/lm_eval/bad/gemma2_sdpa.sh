# expect: ATN202
MODEL=google/gemma-2-2b-it
accelerate launch -m lm_eval --model hf --model_args=pretrained=google/gemma-2-2b-it,attn_implementation=sdpa --tasks mmlu
