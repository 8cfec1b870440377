# expect: ATN202 ATN108
for task in mmlu gsm8k; do
  lm_eval --model hf --model_args pretrained=google/gemma-2-9b,attn_implementation=sdpa --tasks "$task"
done
lm_eval --model hf --model_args pretrained=Qwen/Qwen2.5-7B,attn_implementation=flashattention --tasks mmlu
