"""Language-model backends, through llama-index's LLM interface, and what their failures mean to a user."""

from __future__ import annotations

import json

from assistant.config import Settings
from assistant.errors import AssistantError


class LLMConfigError(AssistantError):
    """The backend chosen cannot start: a setting is missing or the model file is not there."""

    exit_code = 2


class LLMTimeout(Exception):
    """The model took longer than ASSISTANT_LLM_TIMEOUT."""


def make_llm(settings: Settings):
    """The llama-index LLM for `settings.llm_backend` (not called for the extractive backend)."""
    if settings.llm_backend == "openai-compatible":
        return _openai_compatible(settings)
    if settings.llm_backend == "llama-cpp":
        return _llama_cpp(settings)
    raise LLMConfigError(f"the '{settings.llm_backend}' backend does not use a language model")


def _openai_compatible(settings: Settings):
    if not settings.llm_base_url or not settings.llm_model:
        raise LLMConfigError(
            "the openai-compatible backend needs ASSISTANT_LLM_BASE_URL (e.g. http://127.0.0.1:11434/v1 for "
            "Ollama) and ASSISTANT_LLM_MODEL (a model name the server knows)"
        )
    from llama_index.llms.openai_like import OpenAILike

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"  # local servers ignore it
    return OpenAILike(
        model=settings.llm_model, api_base=settings.llm_base_url, api_key=key, is_chat_model=True,
        timeout=settings.llm_timeout, max_retries=0, temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens, context_window=settings.llm_context_window,
    )


def _llama_cpp(settings: Settings):
    path = settings.llm_model_path
    if path is None:
        raise LLMConfigError("the llama-cpp backend needs ASSISTANT_LLM_MODEL_PATH: the path of a GGUF model file")
    if not path.is_file():
        raise LLMConfigError(f"GGUF model file {path} does not exist (ASSISTANT_LLM_MODEL_PATH)")
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMConfigError(
            "the llama-cpp backend is an optional extra: install it with `scripts/setup --llama-cpp` "
            "(it compiles llama.cpp, about 6 minutes)"
        ) from exc
    # model_path is always given: without it LlamaCPP would try to download a model.
    return LlamaCPP(
        model_path=str(path), temperature=max(settings.llm_temperature, 0.01), max_new_tokens=settings.llm_max_tokens,
        context_window=settings.llm_context_window, verbose=False,
        model_kwargs={"n_threads": settings.llm_threads, "n_gpu_layers": 0},
    )


def describe_failure(exc: BaseException, settings: Settings) -> str:
    """One sentence a practitioner can act on, for any way the model call can fail."""
    where = settings.llm_base_url or (str(settings.llm_model_path) if settings.llm_model_path else settings.llm_backend)
    if isinstance(exc, LLMTimeout) or "timeout" in type(exc).__name__.lower() or "timed out" in str(exc).lower():
        return f"the language model did not answer within {settings.llm_timeout:g} s (ASSISTANT_LLM_TIMEOUT)"
    try:
        import openai
    except ImportError:
        openai = None
    if openai is not None:
        if isinstance(exc, openai.APIConnectionError):
            return f"the language model server at {where} cannot be reached (is it running?)"
        if isinstance(exc, openai.APIStatusError):
            return f"the language model server at {where} answered with an error (HTTP {exc.status_code})"
        if isinstance(exc, openai.APIResponseValidationError):
            return f"the language model server at {where} sent a reply that is not valid"
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError)):
        return f"the language model server at {where} sent a reply that is not valid ({type(exc).__name__})"
    return f"the language model failed ({type(exc).__name__}: {str(exc)[:200]})"
