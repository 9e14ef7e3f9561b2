"""Model helpers: JSON columns and ``as_dict``."""
import pytest

from magnum_like.db import models


@pytest.mark.parametrize('python_type,value', [(dict, {'a': [1, 2]}), (list, [{'k': 'v'}])])
def test_json_round_trip(python_type, value):
    column = models.JSONEncoded(python_type)
    stored = column.process_bind_param(value, None)
    assert isinstance(stored, str)
    assert column.process_result_value(stored, None) == value


def test_json_none_stays_null():
    column = models.JSONDict()
    assert column.process_bind_param(None, None) is None
    assert column.process_result_value(None, None) is None


def test_json_refuses_wrong_type():
    with pytest.raises(TypeError):
        models.JSONList().process_bind_param({'a': 1}, None)


def test_as_dict_has_every_column():
    cluster = models.Cluster(uuid='u', name='n')
    values = cluster.as_dict()
    assert set(values) == set(models.Cluster.__table__.columns.keys())
    assert 'node_count' not in values and 'master_count' not in values
    assert values['uuid'] == 'u'


def test_every_table_is_innodb_utf8mb4_with_named_constraints():
    for table in models.Base.metadata.tables.values():
        assert table.kwargs == {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}
        for constraint in table.constraints:
            if not isinstance(constraint, type(table.primary_key)):
                assert constraint.name, table.name
