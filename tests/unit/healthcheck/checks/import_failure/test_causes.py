"""Import failures traced to their root causes; module selection and order; dependency names."""

from __future__ import annotations

from pathlib import Path

from healthcheck.checks.import_failure.causes import Failure, ProjectMap, cause_of, root_failures
from healthcheck.checks.import_runner import Outcome, parse_dump
from healthcheck.checks.import_failure.dists import declared_dependencies, distribution_for
from healthcheck.checks.import_job import dependency_order, why_not_imported
from healthcheck.project import SourceFile

MODULES = {"app": "app/__init__.py", "app.a": "app/a.py", "app.b": "app/b.py", "app.c": "app/c.py", "app.bad": "app/bad.py"}
PROJECT = ProjectMap(
    module_of_path={f"/r/{rel}": m for m, rel in MODULES.items()},
    rel_of_path={f"/r/{rel}": rel for rel in MODULES.values()},
    rel_of_module=MODULES,
    top_level=frozenset({"app"}),
)


def _failed(module: str, **info: object) -> Outcome:
    return Outcome(module, False, info=dict(info))


def _summary(failures: list[Failure]) -> list[tuple[object, ...]]:
    return [(f.module, f.cause, f.path, f.line, f.dependents) for f in failures]


def test_a_failure_raised_in_another_failing_module_is_its_dependent() -> None:
    outcomes = [
        Outcome("app", True),
        _failed("app.b", exception="ValueError", message="bad", frames=[["/r/app/b.py", 3, "<module>"]]),
        _failed("app.a", exception="ValueError", message="bad",
                frames=[["/r/app/a.py", 1, "<module>"], ["/r/app/b.py", 3, "<module>"]]),
        _failed("app.c", exception="ValueError", message="bad",
                frames=[["/r/app/c.py", 1, "<module>"], ["/r/app/a.py", 1, "<module>"], ["/r/app/b.py", 3, "<module>"]]),
    ]
    failures = root_failures(outcomes, PROJECT)
    assert _summary(failures) == [("app.b", "raised", "app/b.py", 3, ["app.a", "app.c"])]
    assert failures[0].frames == [("app/b.py", 3, "<module>")]


def test_a_failure_in_a_module_that_itself_imports_is_a_root_of_its_own() -> None:
    # app.a calls a function of app.b at import time; app.b imports fine on its own.
    outcomes = [
        Outcome("app.b", True),
        _failed("app.a", exception="KeyError", message="'x'",
                frames=[["/r/app/a.py", 2, "<module>"], ["/r/app/b.py", 7, "lookup"]]),
    ]
    assert _summary(root_failures(outcomes, PROJECT)) == [("app.a", "raised", "app/b.py", 7, [])]


def test_syntax_errors_point_at_the_broken_file_and_collect_their_importers() -> None:
    outcomes = [
        _failed("app.bad", exception="SyntaxError", message="invalid syntax", syntax=["/r/app/bad.py", 4]),
        _failed("app.a", exception="SyntaxError", message="invalid syntax",
                syntax=["/r/app/bad.py", 4], frames=[["/r/app/a.py", 1, "<module>"]]),
    ]
    assert _summary(root_failures(outcomes, PROJECT)) == [("app.bad", "syntax", "app/bad.py", 4, ["app.a"])]


def test_modules_blocked_after_a_hang_belong_to_the_hung_module() -> None:
    outcomes = [
        Outcome("app.b", False, info={"frames": [["/r/app/b.py", 5, "<module>"]]}, timed_out=True),
        _failed("app.a", exception="BlockedImport", message="app.b was not imported again", blocked="app.b",
                frames=[["/r/app/a.py", 1, "<module>"]]),
        Outcome("app.c", False, info={"frames": [["/r/app/c.py", 1, "<module>"], ["/r/app/b.py", 5, "<module>"]]},
                timed_out=True),
    ]
    failures = root_failures(outcomes, PROJECT)
    assert _summary(failures) == [("app.b", "timeout", "app/b.py", 5, ["app.a", "app.c"])]
    assert (failures[0].exception, failures[0].message) == ("Timeout", "did not finish importing")


def test_a_worker_that_died_is_reported_with_its_exit_code() -> None:
    failures = root_failures([Outcome("app.c", False, exit_code=3)], PROJECT)
    assert _summary(failures) == [("app.c", "raised", "app/c.py", None, [])]
    assert (failures[0].exception, failures[0].message) == ("ProcessExit", "the process exited with code 3")


def test_origins_that_point_at_each_other_do_not_loop() -> None:
    outcomes = [
        _failed("app.a", exception="E", message="", frames=[["/r/app/b.py", 1, "<module>"]]),
        _failed("app.b", exception="E", message="", frames=[["/r/app/a.py", 1, "<module>"]]),
    ]
    assert [(f.module, f.dependents) for f in root_failures(outcomes, PROJECT)] == [("app.a", ["app.b"])]


def test_causes() -> None:
    top = {"app"}
    assert cause_of(_failed("m", partial="app"), top) == ("circular", None)
    assert cause_of(_failed("m", missing="app.gone"), top) == ("missing-module", None)
    assert cause_of(_failed("m", missing="yaml.reader"), top) == ("missing-dependency", "yaml")
    assert cause_of(_failed("m", syntax=["/r/x.py", 1]), top) == ("syntax", None)
    assert cause_of(_failed("m"), top) == ("raised", None)
    assert cause_of(Outcome("m", False, timed_out=True), top) == ("timeout", None)


def test_distribution_names_and_whether_they_are_declared(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["PyYAML>=6", "python_dateutil ; python_version>\'3\'"]\n'
        '[project.optional-dependencies]\ndev = ["geoip2[extra]==4.0"]\n'
    )
    declared = declared_dependencies(tmp_path)
    assert declared == {"pyyaml", "python-dateutil", "geoip2"}
    assert distribution_for("yaml", declared) == ("PyYAML", True)
    assert distribution_for("dateutil.parser", declared) == ("python-dateutil", True)
    assert distribution_for("geoip2.database", declared) == ("geoip2", True)
    assert distribution_for("PIL", declared) == ("Pillow", False)
    assert declared_dependencies(tmp_path / "nowhere") == set()


def _source(module: str, is_test: bool = False, rel: str = "x.py") -> SourceFile:
    return SourceFile(Path("/r") / rel, rel, module, is_test, False, importable=module.replace(".", "").isidentifier())


def test_what_is_never_imported() -> None:
    assert why_not_imported(_source("app.models", rel="app/models.py"), []) is None
    assert why_not_imported(_source("tests.test_app", is_test=True), []) == "test module"
    assert why_not_imported(_source("app.__main__", rel="app/__main__.py"), []) == "entry point (__main__.py)"
    assert why_not_imported(_source("setup", rel="setup.py"), []) == "entry point (setup.py)"
    assert why_not_imported(_source("app.setup", rel="app/setup.py"), []) == "entry point (setup.py)"
    assert why_not_imported(_source("site.manage", rel="site/manage.py"), []) == "entry point (manage.py)"
    assert why_not_imported(_source("app.conftest", rel="app/conftest.py"), []) == "entry point (conftest.py)"
    assert why_not_imported(_source("docs.conf", rel="docs/conf.py"), []) == "in the docs/ tree"
    assert why_not_imported(_source("pkg.examples.demo", rel="pkg/examples/demo.py"), []) == "in the examples/ tree"
    assert why_not_imported(_source("my-script", rel="my-script.py"), []) == "not an importable name"
    assert why_not_imported(_source("app.scripts.deploy"), ["app.scripts.*"]) == "excluded (exclude option)"


def test_a_module_named_tests_is_a_test_module_unless_the_library_imports_it() -> None:
    polls = _source("polls.tests", rel="polls/tests.py")
    assert why_not_imported(polls, []) == "test module (tests.py)"
    assert why_not_imported(_source("app.unit_tests", rel="app/unit_tests.py"), []) == "test module (unit_tests.py)"
    checks = _source("healthcheck.checks.tests", rel="healthcheck/checks/tests.py")
    assert why_not_imported(checks, [], used={"healthcheck.checks.tests"}) is None


def test_dependency_order_puts_what_is_imported_first() -> None:
    succ = {"a": ["b", "ext"], "b": ["c"], "c": [], "d": ["a"], "x": ["y"], "y": ["x"]}
    order = dependency_order(["d", "a", "b", "c", "x", "y"], succ)
    assert order.index("c") < order.index("b") < order.index("a") < order.index("d")
    assert sorted(order) == ["a", "b", "c", "d", "x", "y"]  # a cycle is entered once, and "ext" is not ours


def test_parse_dump_takes_the_busy_thread_innermost_last() -> None:
    dump = (
        "Thread 0x0001 (most recent call first):\n"
        '  File "/usr/lib/python3.11/threading.py", line 320 in wait\n'
        "\n"
        "Current thread 0x0002 (most recent call first):\n"
        '  File "/r/app/b.py", line 5 in <module>\n'
        '  File "<frozen importlib._bootstrap>", line 241 in _call_with_frames_removed\n'
        '  File "/r/app/a.py", line 1 in <module>\n'
    )
    assert parse_dump(dump, {"/r/app/a.py", "/r/app/b.py"}) == [
        ["/r/app/a.py", 1, "<module>"], ["/r/app/b.py", 5, "<module>"],
    ]
    assert parse_dump("", {"/r/app/a.py"}) == []
