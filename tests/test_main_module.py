"""playground/__main__.py: the app starts only when run as a program, after freeze_support."""

import multiprocessing
import runpy

import pytest

import playground.cli


@pytest.fixture
def calls(monkeypatch):
    calls = []
    monkeypatch.setattr(playground.cli, "main", lambda: calls.append("main") or 0)
    monkeypatch.setattr(multiprocessing, "freeze_support", lambda: calls.append("freeze_support"))
    return calls


def test_importing_the_module_as_a_spawned_worker_does_not_start_the_app(calls):
    runpy.run_module("playground.__main__", run_name="__mp_main__")
    assert calls == []


def test_running_it_calls_freeze_support_before_the_app(calls):
    with pytest.raises(SystemExit) as exit_:
        runpy.run_module("playground.__main__", run_name="__main__")
    assert exit_.value.code == 0
    assert calls == ["freeze_support", "main"]
