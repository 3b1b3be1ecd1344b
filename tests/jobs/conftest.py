"""Fixtures of the tests of the workflow's jobs (steel.jobs)."""

from __future__ import annotations

import dataclasses

import pytest

from steel.errors import SteelError
from steel.transfer.progress import StepLog


@pytest.fixture
def fake_run(monkeypatch):
    import steel.cells.stylize

    calls = []

    def run(style, content, cells, out_dirs, options, staged=None):
        fields = {field.name: getattr(options, field.name) for field in dataclasses.fields(options)}
        calls.append(
            {"style": style, "content": content, "cells": list(cells.values()), "ids": list(cells)}
            | {"out_dirs": out_dirs, "staged": staged, **fields}
        )
        options.on_log(StepLog(10, 20, ({"total": 1234567.0, "style": 0.5, "content": 2.0}, {"total": 9.0})))
        if calls[-1].get("fail"):
            raise SteelError("fails")
        return [
            {"device": "cpu", "seconds_per_iteration": 0.12345, "wall_seconds": 7.25},
            {"device": "other"},
        ]

    monkeypatch.setattr(steel.cells.stylize, "run", run)
    return calls
