"""The two test lanes stay apart: the real lane's Assistant embeds with the real model, on disk."""

from __future__ import annotations

from qa import Assistant, Settings


def test_the_real_lane_uses_the_real_model_and_an_embedded_store(assistant: Assistant) -> None:
    manifest = assistant.load()

    assert type(assistant._loaded().embeddings).__name__ != "HashedBagOfWords"
    assert manifest["model"] == Settings().model_name
    assert manifest["store"].startswith("embedded:")
