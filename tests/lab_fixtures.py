"""Fixtures that start the lab's real servers on 127.0.0.1 (owned by the lab; extended by its issues).

``start_lab`` is a factory: ``lab = start_lab(fragment_s=1, playlist_length_s=3)`` returns a running
``lab.stack.Lab`` (playlist already served) and stops it at the end of the test. For a lab shared by a
module, use ``module_lab_factory`` in a module-scoped fixture::

    @pytest.fixture(scope="module")
    def lab(module_lab_factory):
        return module_lab_factory(fragment_s=1, playlist_length_s=4)

Labs are small (640x360 at 25 fps, ultrafast) because six people share two cores. Each lab gets its own
temp workdir (under pytest's tmp dir) and free ports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from lab.stack import Lab, LabConfig

LabFactory = Callable[..., Lab]


@contextlib.contextmanager
def _factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabFactory]:
    labs: list[Lab] = []

    def start(**overrides: object) -> Lab:
        overrides.setdefault("workdir", tmp_path_factory.mktemp("lab"))
        lab = Lab(LabConfig(**overrides))  # type: ignore[arg-type]
        labs.append(lab)
        return lab.start()

    try:
        yield start
    finally:
        for lab in reversed(labs):
            lab.stop()


@pytest.fixture
def start_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabFactory]:
    """Factory: ``start_lab(**LabConfig overrides) -> Lab`` (running); every lab stops after the test."""
    with _factory(tmp_path_factory) as start:
        yield start


@pytest.fixture(scope="module")
def module_lab_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabFactory]:
    """Same as ``start_lab`` but labs live until the end of the module (share one lab per module)."""
    with _factory(tmp_path_factory) as start:
        yield start
