"""The code keeps its shape: the rules `tests/architecture.py` prints, as tests."""

from __future__ import annotations

from tests.architecture import LAYERS, cycles, layer_of, modules, violations


def test_every_module_belongs_to_a_layer() -> None:
    for name in modules():
        assert 0 <= layer_of(name) < len(LAYERS)


def test_no_import_cycles() -> None:
    assert cycles(modules()) == []


def test_data_flows_one_way_and_the_adapter_stays_thin() -> None:
    assert list(violations(modules())) == []


def test_the_checker_sees_a_broken_rule() -> None:
    """The rules can fail: a foundation importing a stage is reported."""
    graph = modules()
    metrics = graph["bot.metrics"]
    graph["bot.metrics"] = type(metrics)(
        metrics.name, metrics.path, metrics.lines, metrics.imports | {"bot.ingest"}
    )
    assert any("bot.metrics" in line and "bot.ingest" in line for line in violations(graph))
