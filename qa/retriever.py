"""A LangChain ``BaseRetriever`` over the Assistant's hybrid search, for use in any LCEL chain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever


class PassageRetriever(BaseRetriever):
    """Returns the best passages as Documents whose content is an exact slice of the source."""

    assistant: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(page_content=c.quote, metadata={k: v for k, v in c.to_dict().items() if k != "quote"})
            for c in self.assistant.search(query, self.k)
        ]
