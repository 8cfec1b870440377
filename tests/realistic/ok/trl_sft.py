"""SFT script in the style of TRL's examples: dataclass configs and model_init_kwargs."""
from dataclasses import dataclass, field

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, HfArgumentParser


@dataclass
class ModelConfig:
    model_name_or_path: str = "HuggingFaceTB/SmolLM2-360M-Instruct"
    attn_implementation: str | None = field(default="sdpa")
    torch_dtype: str | None = field(default="bfloat16")


@dataclass
class SFTConfig:
    output_dir: str = "sft-out"
    learning_rate: float = 2e-5
    model_init_kwargs: dict | None = None
    gradient_checkpointing: bool = True


def main() -> None:
    parser = HfArgumentParser((ModelConfig, SFTConfig))
    model_args, training_args = parser.parse_args_into_dataclasses()
    torch_dtype = (
        model_args.torch_dtype
        if model_args.torch_dtype in ["auto", None]
        else getattr(torch, model_args.torch_dtype)
    )
    model_init_kwargs = dict(
        attn_implementation=model_args.attn_implementation,
        torch_dtype=torch_dtype,
        use_cache=not training_args.gradient_checkpointing,
    )
    training_args.model_init_kwargs = model_init_kwargs
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, **model_init_kwargs)
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)
    print(model.num_parameters(), tokenizer.eos_token)


if __name__ == "__main__":
    main()
