"""A Kubernetes-shaped sample stack (what Magnum's k8s Heat driver builds).

Used by the benchmark, the tests and operators trying the simulator: a
cluster template with a private network, an API load balancer, a master
ResourceGroup and a minion ResourceGroup of nested server stacks whose
``OS::stack_id`` output is the server id (as Magnum's templates do).
"""

from __future__ import annotations

from typing import Any

CLUSTER = """
heat_template_version: queens
description: Kubernetes-shaped cluster (cloudsim sample)
parameters:
  number_of_masters: {type: number, default: 1, constraints: [{range: {min: 1}}]}
  number_of_minions: {type: number, default: 1, constraints: [{range: {min: 0}}]}
  minions_to_remove: {type: comma_delimited_list, default: []}
  external_network: {type: string, default: public}
  master_flavor: {type: string, default: m1.medium}
  minion_flavor: {type: string, default: m1.small}
  server_image: {type: string, default: fedora-atomic-latest}
  ssh_key_name: {type: string, default: default}
  fixed_subnet_cidr: {type: string, default: 10.0.0.0/16}
  kube_tag: {type: string, default: v1.23.3}
  update_max_batch_size: {type: number, default: 1}
  floating_ip_enabled: {type: boolean, default: true}
conditions:
  fip: {equals: [{get_param: floating_ip_enabled}, true]}
resources:
  network: {type: OS::Neutron::Net, properties: {name: {list_join: ['-', [{get_param: 'OS::stack_name'}, net]]}}}
  fixed_subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: network}, cidr: {get_param: fixed_subnet_cidr}, dns_nameservers: [8.8.8.8]}
  router:
    type: OS::Neutron::Router
    properties: {external_gateway_info: {network: {get_param: external_network}}}
  router_interface:
    type: OS::Neutron::RouterInterface
    properties: {router: {get_resource: router}, subnet: {get_resource: fixed_subnet}}
  secgroup_kube_master:
    type: OS::Neutron::SecurityGroup
    properties: {rules: [{protocol: tcp, port_range_min: 6443, port_range_max: 6443}]}
  secgroup_kube_minion:
    type: OS::Neutron::SecurityGroup
    properties: {rules: [{protocol: tcp}]}
  api_lb:
    type: OS::Octavia::LoadBalancer
    properties: {vip_subnet: {get_resource: fixed_subnet}}
  api_listener:
    type: OS::Octavia::Listener
    properties: {loadbalancer: {get_resource: api_lb}, protocol: TCP, protocol_port: 6443}
  api_pool:
    type: OS::Octavia::Pool
    properties: {listener: {get_resource: api_listener}, protocol: TCP, lb_algorithm: ROUND_ROBIN}
  api_monitor:
    type: OS::Octavia::HealthMonitor
    properties: {pool: {get_resource: api_pool}, type: TCP, delay: 5, max_retries: 5, timeout: 5}
  api_address_floating:
    type: Magnum::Optional::FloatingIP
    properties: {floating_network: {get_param: external_network}, port_id: {get_attr: [api_lb, vip_port_id]}}
  kube_masters:
    type: OS::Heat::ResourceGroup
    depends_on: [router_interface, api_monitor]
    update_policy: {rolling_update: {max_batch_size: {get_param: update_max_batch_size}}}
    properties:
      count: {get_param: number_of_masters}
      resource_def:
        type: kubemaster.yaml
        properties:
          name: {list_join: ['-', [{get_param: 'OS::stack_name'}, master, '%index%']]}
          image: {get_param: server_image}
          flavor: {get_param: master_flavor}
          key_name: {get_param: ssh_key_name}
          fixed_network: {get_resource: network}
          fixed_subnet: {get_resource: fixed_subnet}
          external_network: {get_param: external_network}
          secgroup: {get_resource: secgroup_kube_master}
          api_pool_id: {get_resource: api_pool}
          kube_tag: {get_param: kube_tag}
  kube_minions:
    type: OS::Heat::ResourceGroup
    depends_on: [kube_masters]
    update_policy: {rolling_update: {max_batch_size: {get_param: update_max_batch_size}}}
    properties:
      count: {get_param: number_of_minions}
      removal_policies: [{resource_list: {get_param: minions_to_remove}}]
      resource_def:
        type: kubeminion.yaml
        properties:
          name: {list_join: ['-', [{get_param: 'OS::stack_name'}, node, '%index%']]}
          image: {get_param: server_image}
          flavor: {get_param: minion_flavor}
          key_name: {get_param: ssh_key_name}
          fixed_network: {get_resource: network}
          fixed_subnet: {get_resource: fixed_subnet}
          external_network: {get_param: external_network}
          secgroup: {get_resource: secgroup_kube_minion}
          kube_master_ip: {get_attr: [api_lb, vip_address]}
          kube_tag: {get_param: kube_tag}
outputs:
  api_address:
    value: {if: [fip, {get_attr: [api_address_floating, floating_ip_address]}, {get_attr: [api_lb, vip_address]}]}
  kube_masters_private: {value: {get_attr: [kube_masters, kube_master_ip]}}
  kube_masters: {value: {get_attr: [kube_masters, kube_master_external_ip]}}
  kube_minions_private: {value: {get_attr: [kube_minions, kube_minion_ip]}}
  kube_minions: {value: {get_attr: [kube_minions, kube_minion_external_ip]}}
  minion_ids: {value: {get_attr: [kube_minions, refs]}}
"""

MASTER = """
heat_template_version: queens
parameters:
  name: {type: string}
  image: {type: string}
  flavor: {type: string}
  key_name: {type: string}
  fixed_network: {type: string}
  fixed_subnet: {type: string}
  external_network: {type: string}
  secgroup: {type: string}
  api_pool_id: {type: string}
  kube_tag: {type: string}
resources:
  master_config:
    type: OS::Heat::SoftwareConfig
    properties:
      group: ungrouped
      config: {str_replace: {template: "#!/bin/sh\\necho kube $TAG", params: {$TAG: {get_param: kube_tag}}}}
  kube_master_eth0:
    type: OS::Neutron::Port
    properties:
      network: {get_param: fixed_network}
      fixed_ips: [{subnet: {get_param: fixed_subnet}}]
      security_groups: [{get_param: secgroup}]
  kube-master:
    type: OS::Nova::Server
    properties:
      name: {get_param: name}
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {get_param: key_name}
      user_data: {get_attr: [master_config, config]}
      networks: [{port: {get_resource: kube_master_eth0}}]
      metadata: {kube_tag: {get_param: kube_tag}}
  kube_master_floating:
    type: Magnum::Optional::FloatingIP
    properties: {floating_network: {get_param: external_network}, port_id: {get_resource: kube_master_eth0}}
  api_pool_member:
    type: OS::Octavia::PoolMember
    properties:
      pool: {get_param: api_pool_id}
      address: {get_attr: [kube_master_eth0, fixed_ips, 0, ip_address]}
      subnet: {get_param: fixed_subnet}
      protocol_port: 6443
outputs:
  OS::stack_id: {value: {get_resource: kube-master}}
  kube_master_ip: {value: {get_attr: [kube_master_eth0, fixed_ips, 0, ip_address]}}
  kube_master_external_ip: {value: {get_attr: [kube_master_floating, floating_ip_address]}}
"""

MINION = """
heat_template_version: queens
parameters:
  name: {type: string}
  image: {type: string}
  flavor: {type: string}
  key_name: {type: string}
  fixed_network: {type: string}
  fixed_subnet: {type: string}
  external_network: {type: string}
  secgroup: {type: string}
  kube_master_ip: {type: string}
  kube_tag: {type: string}
resources:
  kube_minion_eth0:
    type: OS::Neutron::Port
    properties:
      network: {get_param: fixed_network}
      fixed_ips: [{subnet: {get_param: fixed_subnet}}]
      security_groups: [{get_param: secgroup}]
  kube-minion:
    type: OS::Nova::Server
    properties:
      name: {get_param: name}
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {get_param: key_name}
      networks: [{port: {get_resource: kube_minion_eth0}}]
      metadata: {kube_tag: {get_param: kube_tag}, master: {get_param: kube_master_ip}}
  kube_minion_floating:
    type: Magnum::Optional::FloatingIP
    properties: {floating_network: {get_param: external_network}, port_id: {get_resource: kube_minion_eth0}}
outputs:
  OS::stack_id: {value: {get_resource: kube-minion}}
  kube_minion_ip: {value: {get_attr: [kube_minion_eth0, fixed_ips, 0, ip_address]}}
  kube_minion_external_ip: {value: {get_attr: [kube_minion_floating, floating_ip_address]}}
"""

ENV_WITH_FIP = """
resource_registry:
  "Magnum::Optional::FloatingIP": "OS::Neutron::FloatingIP"
"""
ENV_NO_FIP = """
resource_registry:
  "Magnum::Optional::FloatingIP": "OS::Heat::None"
"""


def cluster_stack_fields(masters: int = 1, minions: int = 1, *, floating_ips: bool = True,
                         **params: Any) -> dict[str, Any]:
    """Keyword arguments for ``heatclient ... stacks.create`` of the sample cluster.

    Environment files are sent the way Magnum sends them: as ``environment_files``
    naming entries of ``files``.
    """
    env_name = "env_fip.yaml" if floating_ips else "env_no_fip.yaml"
    return {
        "template": CLUSTER,
        "files": {"kubemaster.yaml": MASTER, "kubeminion.yaml": MINION,
                  env_name: ENV_WITH_FIP if floating_ips else ENV_NO_FIP},
        "environment_files": [env_name],
        "parameters": dict(number_of_masters=masters, number_of_minions=minions,
                           floating_ip_enabled=floating_ips, **params),
    }
