"""Data moves one way: corpus → units → chunks → index → retrieval → answer → interfaces. A module
imports only from its own layer or the layers below it (README, "Architecture")."""

from __future__ import annotations

import pytest

from assistant.config import PROJECT_ROOT
from assistant.index import package_imports

PACKAGE = PROJECT_ROOT / "assistant"
LAYERS = [  # lowest first; a name stands for the module or the package of that name
    ["config", "errors", "locators", "terms", "tokens", "prompts", "private", "conflicts", "language",
     "foreign_references", "glossary"],
    ["models"],
    ["corpus"],
    ["chunking", "e5", "embedding", "lexical"],
    ["index"],
    ["uploads", "scope", "followups", "adaptation"],
    ["retrieval"],
    ["answer"],
    ["core"],
    ["cli", "ui", "evals", "bench", "bench_probe", "feedback", "__init__"],
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else module
    return next(n for n, names in enumerate(LAYERS) if top in names)


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[p.relative_to(PACKAGE).as_posix() for p in MODULES])
def test_a_module_imports_nothing_from_a_layer_above_it(path):
    module = "assistant." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    upward = sorted(m for m in package_imports(path.read_text(encoding="utf-8")) if layer_of(m) > layer_of(module))
    assert upward == [], f"{module} reaches up to {upward}"


def test_no_corpus_document_id_is_written_in_the_code():
    """Instruments are data (corpus/sources.toml): the code names families and fields, never a document."""
    import tomllib

    manifest = tomllib.loads((PROJECT_ROOT / "corpus" / "sources.toml").read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in manifest["document"]]
    named = {str(path.relative_to(PACKAGE)): [i for i in ids if i in path.read_text(encoding="utf-8")]
             for path in MODULES}
    assert {path: found for path, found in named.items() if found} == {}
