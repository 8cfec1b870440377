# expect: ATN111
lm_eval --model hf \
  --model_args 'pretrained=meta-llama/Llama-3.1-8B,attn_implementation=flash_attention_2,dtype=float32' \
  --tasks arc_easy
