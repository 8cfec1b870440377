# expect:
MODEL=${1:-google/gemma-2-9b}
lm_eval --model hf --model_args pretrained=$MODEL,attn_implementation=sdpa --tasks mmlu
