"""hypothesis-jsonschema 0.23.1 (pinned by schemathesis 3.x) calls ``many.more()``, which newer
Hypothesis releases replaced with ``with many(...) as e: for _ in e:``. This restores ``more()``
on top of the new protocol so schemathesis can generate object bodies. Remove it once the dev
dependencies pin a matching pair (see the API issue's report)."""

from __future__ import annotations

from typing import Any

from hypothesis.internal.conjecture import utils

_END = object()


def _more(self: Any) -> bool:
    if getattr(self, "_legacy_iter", None) is None:
        self.__enter__()
        self._legacy_iter = iter(self)
    if next(self._legacy_iter, _END) is _END:
        self.__exit__(None)
        return False
    return True


def install() -> None:
    if not hasattr(utils.many, "more"):
        utils.many.more = _more  # type: ignore[attr-defined]
