"""One topic vocabulary across the package, the tests, the benchmarks and the docs (issue 11).

The topics are the subpackages of ``dlnotes``; the table "Topics: one vocabulary" of
``docs/performance/index.rst`` maps each to its side-by-side cases, its performance page and its
asv modules, and names the one exception (``epochs``).  These tests read that table and the
tree, so a new ``cases_<topic>.py``, performance page, generated table, asv module or test file
under another name fails here until it is renamed or documented.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PERF = ROOT / "docs" / "performance"

#: Test suites that test no one topic or module: the harnesses (OpInfo, fuzzing, properties,
#: reliability), the docs and README, the import graph and kernel sources, the benchmarks'
#: harness, the layers' parameter naming, and this file.
CROSS_CUTTING_TESTS = {"bench_harness", "docs_generation", "fuzz", "import_graph",
                       "kernel_sources", "named_parameters", "opinfo", "properties", "readme",
                       "reliability", "vocabulary"}
#: Performance pages that are not a topic: the index, the side-by-side overview, asv.
NON_TOPIC_PAGES = {"index", "comparison", "asv"}


def _subpackages():
    return {p.parent.name for p in (ROOT / "dlnotes").glob("*/__init__.py")
            if not p.parent.name.startswith("_")}


def _module_names():
    """Every module and package name under dlnotes, without leading underscores."""
    names = set()
    for p in (ROOT / "dlnotes").rglob("*"):
        if p.name.startswith("__"):
            continue
        if p.suffix in (".py", ".pyx") or (p.is_dir() and (p / "__init__.py").exists()):
            names.add(p.stem.lstrip("_"))
    return names


def _topic_table():
    """``{topic: {"package", "cases", "page", "asv"}}`` from the table of the performance index."""
    text = (PERF / "index.rst").read_text(encoding="utf-8")
    block = text.split(":class: dlnotes-topics", 1)[1].split("\n\n", 2)[1]
    rows = re.split(r"^   \* - ", block, flags=re.M)[1:]
    table = {}
    for row in rows:
        cells = [c.strip() for c in re.split(r"^     - ", row, flags=re.M)]
        table[cells[0]] = dict(zip(("package", "cases", "page", "asv"), cells[1:]))
    return table


def _files(cell):
    return set(re.findall(r"``([\w.]+\.py)``", cell))


@pytest.fixture(scope="module")
def table():
    t = _topic_table()
    assert "topic" in t and t.pop("topic")["cases"] == "side-by-side cases", "table header moved"
    return t


def test_every_topic_is_a_subpackage_or_the_documented_exception(table):
    subpackages = _subpackages()
    exceptions = {t for t, row in table.items() if "exception" in row["package"]}
    assert exceptions == {"epochs"}, exceptions
    for topic, row in table.items():
        if topic not in exceptions:
            assert topic in subpackages, f"topic {topic!r} is not a dlnotes subpackage"
            assert row["package"] == f":mod:`dlnotes.{topic}`", row


def test_benchmark_cases_pages_and_tables_use_the_topics(table):
    cases = {p.stem[len("cases_"):] for p in (ROOT / "benchmarks").glob("cases_*.py")}
    documented = {t for t, row in table.items() if row["cases"] == f"``cases_{t}.py``"}
    assert cases == documented, "benchmarks/cases_<topic>.py and the topic table differ"
    pages = {p.stem for p in PERF.glob("*.rst")} - NON_TOPIC_PAGES
    assert pages == cases, "every topic of the harness has one page docs/performance/<topic>.rst"
    for topic in cases:
        page = (PERF / f"{topic}.rst").read_text(encoding="utf-8")
        for tag in ("2threads", "1threads"):
            assert f".. include:: generated/{topic}_{tag}.inc" in page, (topic, tag)
    for inc in (PERF / "generated").glob("*.inc"):
        topic, _, tag = inc.stem.rpartition("_")
        assert topic in cases | {"all"} and re.fullmatch(r"\d+threads", tag), inc.name
        labels = set(re.findall(r"^   \* - (\w+): ", inc.read_text(encoding="utf-8"), re.M))
        assert labels <= cases and (topic == "all" or labels == {topic}), (inc.name, labels)


def test_every_asv_module_is_mapped_to_one_topic(table):
    listed = [f for row in table.values() for f in _files(row["asv"])]
    assert len(listed) == len(set(listed)), "an asv module is listed under two topics"
    on_disk = {p.name for p in (ROOT / "asv_benches").glob("bench_*.py")}
    assert set(listed) == on_disk, "asv_benches/bench_*.py and the topic table differ"


def test_test_files_are_named_after_a_topic_or_module():
    names = _module_names()

    def named(stem):
        parts = stem.split("_")
        return any("_".join(parts[:i]) in names for i in range(1, len(parts) + 1))

    for prefix in ("test_", "ops_"):
        for path in (ROOT / "tests").glob(prefix + "*.py"):
            stem = path.stem[len(prefix):]
            assert named(stem) or (prefix == "test_" and stem in CROSS_CUTTING_TESTS), (
                f"tests/{path.name}: name it after the topic (dlnotes subpackage) or the module "
                "it tests, or list it in CROSS_CUTTING_TESTS")
    assert not (ROOT / "tests" / "test_basic_nn.py").exists()  # the topic is "nn"
