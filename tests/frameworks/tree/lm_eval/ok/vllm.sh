# expect:
lm_eval --model vllm --model_args pretrained=meta-llama/Llama-3.1-8B,tensor_parallel_size=2 --tasks mmlu
