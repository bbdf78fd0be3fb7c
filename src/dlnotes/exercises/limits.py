"""Chapter 6: the limits of deep learning."""

from __future__ import annotations

EXERCISES: list = []
