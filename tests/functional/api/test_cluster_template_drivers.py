"""Templates no enabled driver builds are refused, at create and on PATCH.

``(server_type, cluster_distro, coe)`` must be something an enabled driver
provides unless the template names its ``driver``; the 400 names the three
values and lists the drivers with what each builds. (With cloud checks on,
``cluster_distro`` comes from the image: see ``TestCloudChecks``.)
"""
from __future__ import annotations

import pytest

from tests.functional.api.cluster_template_helpers import CT
from tests.functional.api.cluster_template_helpers import assert_error
from tests.functional.api.cluster_template_helpers import body
from tests.functional.api.cluster_template_helpers import create
from tests.functional.api.cluster_template_helpers import patch
from tests.functional.api.cluster_template_helpers import template_rows

pytestmark = pytest.mark.usefixtures('clean_db')


@pytest.mark.parametrize('fields', [
    {'cluster_distro': 'ubuntu'}, {'cluster_distro': None},
    {'server_type': 'bm', 'coe': 'kubernetes', 'cluster_distro': 'ubuntu'},
])
def test_type_no_driver_builds_is_refused(admin, fields):
    title = assert_error(admin.post(CT, body(**fields)), 400, 'server_type', 'cluster_distro',
                         'coe', 'k8s_fedora_atomic_v1 (vm, fedora-atomic, kubernetes)')
    assert 'cluster_distro=%s' % fields['cluster_distro'] in title
    assert template_rows() == 0
    doc = create(admin, driver='k8s_fedora_atomic_v1', **fields)
    assert doc['driver'] == 'k8s_fedora_atomic_v1'


def test_patch_to_a_type_no_driver_builds_is_refused(admin):
    doc = create(admin)
    assert doc['driver'] == 'k8s_fedora_atomic_v1'

    def replace(field, value):
        return patch(admin, doc['uuid'], {'op': 'replace', 'path': '/' + field, 'value': value})

    assert_error(replace('cluster_distro', 'ubuntu'), 400, 'cluster_distro=ubuntu')
    assert replace('server_type', 'bm').json()['driver'] == 'k8s_fedora_ironic_v1'
    assert replace('cluster_distro', 'fedora').json()['driver'] == 'k8s_fedora_ironic_v1'
    to_mesos = patch(admin, doc['uuid'], {'op': 'replace', 'path': '/coe', 'value': 'mesos'},
                     {'op': 'replace', 'path': '/network_driver', 'value': 'docker'})
    assert_error(to_mesos, 400, 'server_type=bm', 'cluster_distro=fedora',
                 'coe=mesos', 'mesos_fedora_atomic_v1 (vm, fedora-atomic, mesos)')
    after = admin.get(CT + '/' + doc['uuid']).json()
    assert (after['coe'], after['driver']) == ('kubernetes', 'k8s_fedora_ironic_v1')
