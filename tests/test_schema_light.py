"""The light content objects (mlsd.content.schema) agree with the rules that validate them
(mlsd.content.rules): same classes, same fields in the same order, same values; and they
are validated, frozen and copied as pydantic's models are."""

from __future__ import annotations

import pickle

import pytest

from mlsd.content import rules, schema
from mlsd.content.loader import load_catalog


def _rule_models():
    from pydantic import BaseModel

    return {name: cls for name, cls in vars(rules).items()
            if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == rules.__name__
            and not name.startswith("_")}


def test_every_rules_model_has_a_light_class_with_the_same_fields():
    models = _rule_models()
    assert set(models) == set(schema._CLASSES)
    for name, model in models.items():
        assert schema._CLASSES[name]._fields == tuple(model.model_fields), name


def test_light_subclasses_mirror_the_rules():
    assert issubclass(schema.Pitfall, schema.RedFlag) and issubclass(rules.Pitfall, rules.RedFlag)


def test_shipped_cases_convert_to_the_same_values():
    catalog = load_catalog(include_shipped=True)
    assert catalog.cases
    for item in catalog.cases.values():
        case = item.case
        assert type(case) is schema.Case
        validated = rules.Case.model_validate(case.model_dump())
        assert validated.model_dump() == case.model_dump()
        assert schema.from_model(validated) == case


def test_calling_a_class_validates_like_a_file():
    from pydantic import ValidationError

    line = schema.WorkLine(name="peak_qps", value="60000 / s")
    assert type(line) is schema.WorkLine and line.note == ""  # defaults come from the rules
    with pytest.raises(ValidationError):
        schema.WorkLine(name="Not A Name", value="1")
    with pytest.raises(ValidationError):
        schema.Concept.model_validate({"id": "x", "label": "x", "weight": 1, "level": "mid", "phrasings": [" "],
                                       "why": "x"})


def test_frozen_copy_dump_and_pickle():
    case = load_catalog().case("ctr")
    with pytest.raises(AttributeError):
        case.title = "other"
    renamed = case.model_copy(update={"title": "Other"})
    assert renamed.title == "Other" and case.title != "Other" and renamed.steps is case.steps
    assert renamed != case and case.model_copy() == case
    with pytest.raises(ValueError):
        case.model_copy(update={"no_such_field": 1})
    assert pickle.loads(pickle.dumps(case)) == case
    dumped = case.model_dump()
    assert isinstance(dumped["steps"]["data"]["rubric"]["concepts"][0], dict)
    assert schema.Case.model_validate(dumped) == case
    with pytest.raises(TypeError):
        hash(case)  # as pydantic's frozen models: a list field cannot be hashed


def test_json_schema_is_the_rules_schema():
    exported = schema.json_schema()
    assert exported["title"] == "mlsd case" and "Concept" in exported["$defs"]
