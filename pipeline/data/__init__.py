"""Packaged data (catalog, rules, lexicon), and the one place that lets a caller point the
pipeline at another copy: `use_data_file("rules.toml", path)` clears every cache built from it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_overrides: dict[str, Path] = {}
_derived: dict[str, list[Any]] = {}


def read_data(name: str) -> bytes:
    """A data file's bytes: the packaged one, or the file `use_data_file` installed."""
    if name in _overrides:
        return _overrides[name].read_bytes()
    return resources.files("pipeline.data").joinpath(name).read_bytes()


def derived_from(name: str) -> Callable[[F], F]:
    """Cache a function built from a data file, so that `use_data_file` can clear it."""

    def wrap(fn: F) -> F:
        cached = cache(fn)
        _derived.setdefault(name, []).append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def cleared_with(*names: str) -> Callable[[F], F]:
    """Register a function's own cache (an `lru_cache`) to be cleared with these data files."""

    def wrap(fn: F) -> F:
        for name in names:
            _derived.setdefault(name, []).append(fn)
        return fn

    return wrap


def use_data_file(name: str, path: str | Path | None) -> None:
    """Read `name` from `path` from now on in this process (None: the packaged file)."""
    if path is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = Path(path)
    for cached in _derived.get(name, []):
        cached.cache_clear()


@derived_from("lexicon.toml")
def lexicon() -> dict:
    """lexicon.toml: units, qualifiers, target cues, level words and relation vocabulary."""
    import tomllib

    return tomllib.loads(read_data("lexicon.toml").decode("utf-8"))
