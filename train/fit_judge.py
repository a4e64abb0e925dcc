"""Fine-tune the bundled MiniLM into a cross-encoder judge: does this sentence answer this question?"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from qa.judge_input import MAX_TOKENS
from train.pairs import Pair

# One pass over ~17k pairs fits the 45-minute budget on 2 cores; more epochs overfit the bundled article.
EPOCHS = 1
BATCH = 16
# A common fine-tuning rate for MiniLM cross-encoders; warm up over the first tenth of the steps.
LEARNING_RATE = 4e-5
WARMUP_SHARE = 0.1
# Positives are about one in seven pairs; weighting them twice keeps the judge from hedging low.
POSITIVE_WEIGHT = 2.0
# The judge keeps the first layers of MiniLM-L6 only: half the layers halve both the training time
# (45-minute budget on 2 cores) and the per-question cost of re-ranking at serving time.
LAYERS = 3


def seed_everything(seed: int) -> None:
    """Fix every random source the training touches."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def fit(pairs: list[Pair], base_model: str, out: Path, seed: int) -> dict[str, float]:
    """Train on ``pairs`` from ``base_model`` and save the model and tokenizer to ``out``."""
    seed_everything(seed)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    model = AutoModelForSequenceClassification.from_pretrained(base_model, num_labels=1, num_hidden_layers=LAYERS)
    model.train()
    steps = EPOCHS * math.ceil(len(pairs) / BATCH)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(WARMUP_SHARE * steps), steps)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(POSITIVE_WEIGHT))
    started = time.monotonic()
    losses: list[float] = []
    bar = tqdm(total=steps, desc="training the judge")
    for _ in range(EPOCHS):
        for i in range(0, len(pairs), BATCH):
            batch = pairs[i : i + BATCH]
            encoded = tokenizer(
                [p.question for p in batch],
                [p.text for p in batch],
                truncation="only_second",
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**encoded).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([p.label for p in batch]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(float(loss))
            bar.update(1)
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    bar.close()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return {
        "steps": steps,
        "pairs": len(pairs),
        "minutes": (time.monotonic() - started) / 60,
        "final_loss": float(np.mean(losses[-100:])),
    }
