# Fine-tuning entry point in the style of the transformers examples: model kwargs built once, spread.
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments

MODEL_ID = "Qwen/Qwen2.5-0.5B-Instruct"

model_kwargs = dict(
    attn_implementation="sdpa",
    torch_dtype=torch.bfloat16,
    use_cache=False,  # gradient checkpointing does not use the cache
)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, **model_kwargs)
tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)

training_args = TrainingArguments(
    output_dir="out",
    per_device_train_batch_size=4,
    gradient_checkpointing=True,
    bf16=True,
)
trainer = Trainer(model=model, args=training_args, train_dataset=None, processing_class=tokenizer)
# trainer.train()
