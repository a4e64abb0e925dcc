"""Export the trained judge to ONNX and quantise it to int8 for the serving process (no torch there)."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ONNX_OPSET = 17


def export(trained: Path, out: Path, int8: bool = True) -> Path:
    """Write ``model.onnx`` (int8 when asked) and ``tokenizer.json`` into ``out``; return the model path."""
    out.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(trained).eval()
    tokenizer = AutoTokenizer.from_pretrained(trained)
    sample = tokenizer(["a question"], ["a candidate sentence"], return_tensors="pt")
    fp32 = out / "model-fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(
            model,
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask", "token_type_ids")}
            | {"logits": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    target = out / "model.onnx"
    if int8:
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)
        fp32.unlink()
    else:
        shutil.move(fp32, target)
    tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    return target
