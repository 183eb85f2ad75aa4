"""Applies one layer's spans to a line, so a layer is tested alone."""

from __future__ import annotations

from collections.abc import Callable

from runtime.redact.values import mask_spans


def masked(find_spans: Callable[[str], list[tuple[int, int]]], line: str) -> str:
    return mask_spans(line, find_spans(line))
