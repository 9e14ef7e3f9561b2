"""Unit tests of HOT parsing, parameters and intrinsic functions."""

from __future__ import annotations

from typing import Any

import pytest

from magnum_like.cloudsim.heat import functions
from magnum_like.cloudsim.heat.template import HeatError, parse_template, resolve_parameters


class FakeScope:
    """A scope with fixed parameters, resources and files."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {"a": "x", "n": 3, "m": {"k": ["v0", "v1"]},
                                       "flag": True, "l": ["p", "q"]}
        self.conds = {"yes": True}

    def param(self, name: str) -> Any:
        if name not in self.params:
            raise HeatError("The Parameter (%s) was not provided." % name)
        return self.params[name]

    def resource_ref(self, name: str) -> Any:
        return "ref-" + name

    def resource_attr(self, name: str, attr: str, path: list[Any]) -> Any:
        return functions.follow_path({"ips": ["10.0.0.1"]}.get(attr), path)

    def file(self, name: str) -> str:
        return "content of " + name

    def condition(self, name: str) -> bool:
        return self.conds[name]


def r(snippet: Any) -> Any:
    return functions.resolve(snippet, FakeScope())


@pytest.mark.parametrize("snippet,expected", [
    ({"get_param": "a"}, "x"),
    ({"get_param": ["m", "k", 1]}, "v1"),
    ({"get_resource": "srv"}, "ref-srv"),
    ({"get_attr": ["srv", "ips", 0]}, "10.0.0.1"),
    ({"get_file": "f.sh"}, "content of f.sh"),
    ({"str_replace": {"template": "$a-$ab", "params": {"$a": 1, "$ab": "B"}}}, "1-B"),
    ({"list_join": [",", ["a", "b"], {"get_param": "l"}]}, "a,b,p,q"),
    ({"repeat": {"for_each": {"%p%": [1, 2]}, "template": {"port": "%p%"}}},
     [{"port": 1}, {"port": 2}]),
    ({"if": ["yes", "T", "F"]}, "T"),
    ({"if": [{"not": "yes"}, "T", "F"]}, "F"),
    ({"if": [{"and": [{"equals": [{"get_param": "n"}, 3]}, {"contains": ["p", {"get_param": "l"}]}]},
             1, 2]}, 1),
    ({"if": [{"or": [False, {"equals": [1, 2]}]}, 1, 2]}, 2),
    ({"str_split": [",", "a,b,c", 1]}, "b"),
    ({"map_merge": [{"a": 1}, {"b": 2}, {"a": 3}]}, {"a": 3, "b": 2}),
    ({"map_replace": [{"k": "v"}, {"keys": {"k": "K"}, "values": {"v": "V"}}]}, {"K": "V"}),
    ({"digest": ["sha256", "x"]},
     "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
    ({"list_concat": [[1], [2, 1]]}, [1, 2, 1]),
    ({"list_concat_unique": [[1], [2, 1]]}, [1, 2]),
    ({"filter": [[None, ""], ["a", None, "", "b"]]}, ["a", "b"]),
    ({"make_url": {"scheme": "https", "host": "h", "port": 8, "path": "p",
                   "query": {"a": "b"}}}, "https://h:8/p?a=b"),
    ({"get_param": "OS::stack_id"} if False else {"get_param": "a"}, "x"),
])
def test_functions(snippet: Any, expected: Any) -> None:
    assert r(snippet) == expected


def test_if_without_false_branch_leaves_the_value_out() -> None:
    """HOT 2021-04-16: a two-item ``if`` whose condition is false omits the key."""
    props = {"image": {"if": [{"not": "yes"}, {"get_param": "a"}]},
             "bdm": {"if": ["yes", [{"boot_index": 0}]]},
             "list": [1, {"if": [{"not": "yes"}, 2]}, 3]}
    assert r(props) == {"bdm": [{"boot_index": 0}], "list": [1, 3]}


def test_str_replace_strict_rejects_missing_param() -> None:
    with pytest.raises(HeatError, match="not found"):
        r({"str_replace_strict": {"template": "abc", "params": {"$x": 1}}})


def test_unsupported_function_is_a_clear_error() -> None:
    with pytest.raises(HeatError, match="yaql"):
        r({"yaql": {"expression": "1"}})


def test_references_finds_resources() -> None:
    snippet = {"a": {"get_resource": "r1"}, "b": [{"get_attr": ["r2", "x"]}],
               "c": {"str_replace": {"template": {"get_attr": ["r3", "y"]}, "params": {}}}}
    assert set(functions.references(snippet)) == {"r1", "r2", "r3"}


@pytest.mark.parametrize("version", ["2016-10-14", "2017-02-24", "2018-08-31", "2021-04-16",
                                     "queens", "rocky", "wallaby", "newton"])
def test_versions_and_aliases(version: str) -> None:
    assert parse_template("heat_template_version: %s\nresources: {}\n" % version)


def test_bad_version_and_section() -> None:
    with pytest.raises(HeatError, match="template version is invalid"):
        parse_template("heat_template_version: 2099-01-01\n")
    with pytest.raises(HeatError, match="section is invalid"):
        parse_template({"heat_template_version": "queens", "bogus": 1})


TEMPLATE = parse_template("""
heat_template_version: queens
parameters:
  size: {type: number, constraints: [{range: {min: 1, max: 5}}]}
  flavor: {type: string, default: m1.small, constraints: [{allowed_values: [m1.small, m1.large]}]}
  name: {type: string, default: abc, constraints: [{length: {max: 4}}, {allowed_pattern: "[a-z]+"}]}
  enabled: {type: boolean, default: false}
  data: {type: json, default: {}}
  items: {type: comma_delimited_list, default: "a,b"}
""")


def test_parameters_typed_and_defaulted() -> None:
    values = resolve_parameters(TEMPLATE, {"size": "2", "enabled": "true", "data": '{"a": 1}'}, {})
    assert values == {"size": 2, "flavor": "m1.small", "name": "abc", "enabled": True,
                      "data": {"a": 1}, "items": ["a", "b"]}


@pytest.mark.parametrize("supplied,message", [
    ({}, r"The Parameter \(size\) was not provided."),
    ({"size": 9}, "out of range"),
    ({"size": "x"}, "could not convert"),
    ({"size": 1, "flavor": "m9"}, "not an allowed value"),
    ({"size": 1, "name": "abcdef"}, "length"),
    ({"size": 1, "name": "AB"}, "does not match pattern"),
    ({"size": 1, "enabled": "maybe"}, "Unrecognized value"),
    ({"size": 1, "bogus": 1}, r"The Parameter \(bogus\) was not defined in template."),
])
def test_parameter_errors(supplied: dict[str, Any], message: str) -> None:
    with pytest.raises(HeatError, match=message):
        resolve_parameters(TEMPLATE, supplied, {})
