"""Horizon's Container Infra pages (magnum-ui) against magnum_like, clicked in a browser.

One user journey per test, as a person does it: the demo user creates, shows,
updates and deletes cluster templates through the wizard; creates a cluster
through the wizard, watches it reach CREATE_COMPLETE, shows, resizes,
upgrades it, downloads its config and deletes it; the admin creates and edits
a quota. Every page gets a screenshot (see ``shots_dir``) and fails the test
if it shows an error.
"""
from __future__ import annotations

import glob
import os
import re

from selenium.webdriver.common.by import By

#: Seconds a cluster gets to reach a final state in the simulator.
CLUSTER_TIMEOUT = 300


def _row_xpath(name: str) -> str:
    return '//tr[.//a[normalize-space(.)="%s"]]' % name


def open_table(browser, path: str, name: str) -> None:
    """Open the list page ``path`` (fails on an error) and wait for the row ``name``."""
    browser.open(path)
    browser.wait(lambda d: d.find_elements(By.XPATH, _row_xpath(name)), 60,
                 '%s not listed on %s' % (name, path))


def row_action(browser, name: str, action: str, row_xpath: str | None = None) -> None:
    """Click the row action ``action`` of the row whose link is ``name`` (or at ``row_xpath``).

    The first action of a row is a button; the others are in its drop-down.
    """
    xpath = row_xpath or _row_xpath(name)

    def find(driver):
        rows = driver.find_elements(By.XPATH, xpath)
        for element in rows[0].find_elements(By.XPATH, './/button|.//a') if rows else []:
            if element.text.strip() == action and element.is_displayed():
                return element
        return False
    browser.wait(lambda d: d.find_elements(By.XPATH, xpath), 60, 'no row %s' % name)
    if not browser.wait(lambda d: (find(d),), 30, 'the table kept changing')[0]:
        browser.wait(lambda d: d.find_element(
            By.XPATH, xpath + '//*[contains(@class, "dropdown-toggle")]'), 30,
            'no actions menu for %s' % name).click()
    browser.wait(find, 30, 'no action %s for %s' % (action, name)).click()


def submit_modal(browser, button: str = 'Submit') -> None:
    """Click the modal's ``button`` and wait until the modal is gone."""
    browser.click_text(button, 'button')
    browser.wait(lambda d: not [m for m in d.find_elements(By.CSS_SELECTOR, '.modal-dialog')
                                if m.is_displayed()], 120, 'the dialog did not close')


def confirm_delete(browser) -> None:
    footer = browser.visible('.modal-footer .btn-danger, .modal-footer .btn-primary')
    footer.click()
    browser.wait(lambda d: not [m for m in d.find_elements(By.CSS_SELECTOR, '.modal-dialog')
                                if m.is_displayed()], 120, 'the dialog did not close')


def create_template(browser, name: str, labels: str) -> None:
    """The cluster-template wizard, tab by tab."""
    browser.open('/project/cluster_templates/')
    browser.click_text('Create Cluster Template', 'button')
    browser.wait_idle()
    browser.fill('name', name)
    browser.select('coe', 'Kubernetes')
    browser.check_page('template-wizard-info')
    browser.click_text('Node Spec', 'span')
    browser.select('image_id', 'fedora-atomic-latest')
    browser.select('flavor_id', 'm1.small')
    browser.select('master_flavor_id', 'm1.medium')
    browser.select('keypair_id', 'default')
    browser.check_page('template-wizard-node-spec')
    browser.click_text('Network', 'span')
    browser.select('network_driver', 'Flannel')
    browser.select('external_network_id', 'public')
    browser.check_page('template-wizard-network')
    browser.click_text('Labels', 'span')
    browser.fill('labels', labels)
    browser.check_page('template-wizard-labels')
    submit_modal(browser)
    browser.check_page('template-created-%s' % name)
    open_table(browser, '/project/cluster_templates/', name)


def wait_status(browser, name: str, wanted: str) -> None:
    """Reload the clusters list until the row ``name`` shows ``wanted`` (fails on *_FAILED)."""
    def status():
        browser.wait_idle()
        rows = browser.driver.find_elements(By.XPATH, _row_xpath(name))
        text = rows[0].text if rows else ''
        assert '_FAILED' not in text, 'cluster %s failed: %s' % (name, text)
        return wanted in text
    browser.open('/project/clusters/')
    browser.wait_for(status, CLUSTER_TIMEOUT, 'cluster %s did not reach %s' % (name, wanted))


def wait_details(browser, name: str, *patterns: str) -> None:
    """Open the cluster's page and reload it until every regex in ``patterns`` matches.

    Only the cluster's own page counts: the clusters list shows a status and a
    version too.
    """
    open_table(browser, '/project/clusters/', name)
    browser.click_text(name, 'a')

    def shown():
        if '/ngdetails/OS::Magnum::Cluster/' not in browser.driver.current_url:
            return False
        body = browser.body()
        return all(re.search(p, body) for p in patterns)
    try:
        browser.wait_for(shown, CLUSTER_TIMEOUT, '%s never showed %s' % (name, patterns))
    except AssertionError as error:
        body = browser.body()
        missing = [p for p in patterns if not re.search(p, body)]
        raise AssertionError('%s; missing %s; the page showed:\n%s'
                             % (error, missing, body[:3000])) from None


def test_cluster_templates_and_clusters(browser, devcloud, shots_dir):
    browser.login('demo', devcloud['demo_password'])
    browser.check_page('after-login')
    template_journey(browser)
    cluster_create(browser)
    cluster_day2(browser, shots_dir)


def template_journey(browser) -> None:
    """Cluster templates: list, create (wizard), show, update, delete."""
    browser.open('/project/cluster_templates/')
    browser.check_page('templates-empty')
    create_template(browser, 'k8s-ui', 'kube_tag=v1.28.9,auto_healing_enabled=false')
    browser.check_page('templates-list')
    browser.click_text('k8s-ui', 'a')
    browser.text_present('fedora-atomic-latest')
    browser.check_page('template-show')
    assert 'kube_tag' in browser.body() and 'v1.28.9' in browser.body()

    open_table(browser, '/project/cluster_templates/', 'k8s-ui')
    row_action(browser, 'k8s-ui', 'Update Cluster Template')
    browser.wait_idle()
    browser.click_text('Node Spec', 'span')
    browser.fill('docker_volume_size', '7')
    browser.check_page('template-update')
    submit_modal(browser)
    browser.check_page('template-updated')
    browser.click_text('k8s-ui', 'a')
    browser.text_present('fedora-atomic-latest')
    browser.check_page('template-show-updated')
    assert '7 GB' in browser.body()  # docker_volume_size, as updated

    create_template(browser, 'k8s-ui-next', 'kube_tag=v1.29.4,auto_healing_enabled=false')
    create_template(browser, 'k8s-ui-unused', 'kube_tag=v1.28.9')
    open_table(browser, '/project/cluster_templates/', 'k8s-ui-unused')
    row_action(browser, 'k8s-ui-unused', 'Delete Cluster Template')
    confirm_delete(browser)
    browser.wait_for(lambda: not browser.driver.find_elements(
        By.XPATH, _row_xpath('k8s-ui-unused')), 60, 'template not deleted', refresh=2)
    browser.check_page('template-deleted')



def cluster_create(browser) -> None:
    """A cluster through the wizard, until CREATE_COMPLETE; its page."""
    browser.open('/project/clusters/')
    browser.check_page('clusters-empty')
    browser.click_text('Create Cluster', 'button')
    browser.wait_idle()
    browser.fill('name', 'ui-cluster')
    browser.select('cluster_template_id', 'k8s-ui')
    browser.select('keypair', 'default')
    browser.select('availability_zone', 'nova')
    browser.check_page('cluster-wizard-details')
    browser.click_text('Size', 'span')
    browser.fill('node_count', '1')
    browser.check_page('cluster-wizard-size')
    browser.click_text('Network', 'span')
    browser.check_page('cluster-wizard-network')
    browser.click_text('Management', 'span')
    browser.check_page('cluster-wizard-management')
    browser.click_text('Advanced', 'span')
    browser.fill('labels', 'kube_dashboard_enabled=false')
    browser.check_page('cluster-wizard-advanced')
    submit_modal(browser)
    browser.check_page('cluster-submitted')
    wait_status(browser, 'ui-cluster', 'CREATE_COMPLETE')
    browser.check_page('clusters-create-complete')

    browser.click_text('ui-cluster', 'a')
    browser.text_present('CREATE_COMPLETE')
    browser.check_page('cluster-show')
    body = browser.body()
    assert 'k8s-ui' in body and 'kube_tag' in body
    # The labels the wizard writes: the template's, its own form's, the typed ones.
    for label in ('availability_zone', 'auto_healing_enabled', 'auto_scaling_enabled',
                  'kube_dashboard_enabled', 'v1.28.9'):
        assert label in body, label


def cluster_day2(browser, shots_dir: str) -> None:
    """Resize, upgrade, config download, delete."""
    open_table(browser, '/project/clusters/', 'ui-cluster')
    row_action(browser, 'ui-cluster', 'Resize Cluster')
    browser.wait_idle()
    browser.fill('node_count', '2')
    browser.check_page('cluster-resize')
    submit_modal(browser)
    browser.check_page('cluster-resize-submitted')
    wait_status(browser, 'ui-cluster', 'UPDATE_COMPLETE')
    wait_details(browser, 'ui-cluster', r'Node Count\s+2\b', 'UPDATE_COMPLETE')
    browser.check_page('cluster-resized')
    open_table(browser, '/project/clusters/', 'ui-cluster')

    row_action(browser, 'ui-cluster', 'Rolling Cluster Upgrade')
    browser.wait_idle()
    browser.select('cluster_template_id', 'k8s-ui-next')
    browser.check_page('cluster-upgrade')
    submit_modal(browser)
    browser.check_page('cluster-upgrade-submitted')
    # The cluster was UPDATE_COMPLETE before: wait for the new version, and for the
    # new template in the page's "Cluster Template" box (upgrading the default
    # group moves the cluster to that template, as Magnum does). magnum-ui fetches
    # the template only once the cluster has arrived and shows its Name as "None"
    # until then, so the box is read once the page's requests are done.
    wait_details(browser, 'ui-cluster', 'v1.29.4', 'UPDATE_COMPLETE',
                 r'Cluster Template\s+Name\s+k8s-ui-next\s+ID\b')
    browser.check_page('cluster-upgraded')

    downloads = os.path.join(shots_dir, 'downloads')
    os.makedirs(downloads, exist_ok=True)
    browser.driver.execute_cdp_cmd('Browser.setDownloadBehavior',
                                   {'behavior': 'allow', 'downloadPath': downloads})
    open_table(browser, '/project/clusters/', 'ui-cluster')
    row_action(browser, 'ui-cluster', 'Get Cluster Config')
    config = browser.wait(lambda d: [p for p in glob.glob(os.path.join(downloads, '*'))
                                     if not p.endswith('.crdownload')], 60,
                          'no cluster config downloaded')[0]
    with open(config) as handle:
        text = handle.read()
    assert 'apiVersion: v1' in text and 'ui-cluster' in text, text
    browser.check_page('cluster-config')

    open_table(browser, '/project/clusters/', 'ui-cluster')
    row_action(browser, 'ui-cluster', 'Delete Cluster')
    confirm_delete(browser)
    browser.open('/project/clusters/')
    browser.wait_for(lambda: not browser.driver.find_elements(
        By.XPATH, _row_xpath('ui-cluster')), CLUSTER_TIMEOUT, 'cluster not deleted')
    browser.check_page('cluster-deleted')


def test_admin_quotas(browser, devcloud):
    """Admin > Container Infra > Quotas: create one for project demo, then edit it."""
    browser.login('admin', devcloud['admin_password'])
    browser.open('/admin/container_infra/quotas/')
    browser.check_page('quotas-list')
    browser.click_text('Create Quota', 'button')
    browser.wait_idle()
    browser.select('project_id', 'demo')
    browser.select('resource', 'Cluster')
    browser.fill('hard_limit', '5')
    browser.check_page('quota-create')
    submit_modal(browser)
    browser.check_page('quota-created')

    def quota_row(limit):
        cells = './td[normalize-space(.)="Cluster"] and ./td[normalize-space(.)="%s"]' % limit
        return '//tr[%s]' % cells
    open_quotas = '/admin/container_infra/quotas/'
    browser.open(open_quotas)
    browser.wait(lambda d: d.find_elements(By.XPATH, quota_row(5)), 60, 'quota 5 not listed')
    browser.check_page('quotas-listed')

    row_action(browser, 'quota', 'Update Quota', row_xpath=quota_row(5))
    browser.wait_idle()
    browser.fill('hard_limit', '7')
    browser.check_page('quota-update')
    submit_modal(browser)
    browser.check_page('quota-updated')
    browser.open(open_quotas)
    browser.wait(lambda d: d.find_elements(By.XPATH, quota_row(7)), 60, 'quota 7 not listed')
    assert not browser.driver.find_elements(By.XPATH, quota_row(5))
    browser.check_page('quotas-listed-after-update')
