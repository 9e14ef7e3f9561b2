"""Software configs (OS::Heat::SoftwareConfig, CloudConfig, MultipartMime).

Heat stores each config under an id, and a server whose ``user_data`` names a
config id (``user_data_format: RAW`` or ``SOFTWARE_CONFIG``) boots from that
config's text.  The drivers rely on this: their nodes' user data is the id of
a MultipartMime config whose parts are other configs.  So the simulator keeps
the rendered text in the ``software_configs`` table and, like Heat, gives a
config a new id whenever its properties change (configs are immutable), which
is what makes a server whose user data changed be replaced.
"""

from __future__ import annotations

import email
import email.mime.multipart
import email.mime.text
from typing import TYPE_CHECKING, Any, Optional

import yaml

from magnum_like.cloudsim.heat.model import Resource, Stack
from magnum_like.cloudsim.heat.resources import Handler
from magnum_like.cloudsim.store import Store, new_id, now_iso

if TYPE_CHECKING:  # pragma: no cover
    from magnum_like.cloudsim.heat.engine import Engine


def config_text(store: Store, value: Any) -> str:
    """The text a ``config``/``user_data`` value stands for: a config id's
    stored text, else the value itself."""
    if isinstance(value, str):
        record = store.software_configs.get(value)
        if record is not None:
            return str(record["config"])
        return value
    return "" if value is None else str(value)


def _subtype(text: str, given: Optional[str]) -> str:
    if given:
        return given
    return "cloud-config" if text.startswith("#cloud-config") else "x-shellscript"


def multipart(store: Store, parts: list[dict[str, Any]]) -> str:
    """A MIME multipart document of the parts, nested multiparts flattened (as
    Heat's MultipartMime and cloud-init read them)."""
    message = email.mime.multipart.MIMEMultipart()
    for part in parts:
        text = config_text(store, part.get("config"))
        if text.startswith("Content-Type: multipart/"):
            for sub in email.message_from_string(text).walk():
                if not sub.is_multipart():
                    message.attach(sub)
            continue
        item = email.mime.text.MIMEText(text, _subtype(text, part.get("subtype")), "utf-8")
        item.add_header("Content-Disposition", "attachment",
                        filename=str(part.get("filename") or "part-%d" % len(message.get_payload())))
        message.attach(item)
    return message.as_string()


class ConfigHandler(Handler):
    """SoftwareConfig / CloudConfig / MultipartMime / StructuredConfig: a stored
    config whose id is the reference and whose text is attribute ``config``."""

    def create(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        props = res.props or {}
        if res.impl_type == "OS::Heat::CloudConfig":
            text = "#cloud-config\n" + yaml.safe_dump(props.get("cloud_config") or {})
        elif res.impl_type == "OS::Heat::MultipartMime":
            text = multipart(eng.store, list(props.get("parts") or []))
        else:
            config = props.get("config", "")
            text = config if isinstance(config, str) else yaml.safe_dump(config)
        self.delete(eng, stack, res)
        res.physical_id = new_id()
        eng.store.software_configs[res.physical_id] = {
            "id": res.physical_id, "name": res.name, "group": props.get("group") or "Heat::Ungrouped",
            "config": text, "project_id": stack.project, "creation_time": now_iso()}
        res.data["attrs"] = {"config": text}
        return False

    def update(self, eng: "Engine", stack: Stack, res: Resource,
               old_props: Optional[dict[str, Any]]) -> bool:
        """A changed config is a new config with a new id (Heat replaces it)."""
        return self.create(eng, stack, res)

    def delete(self, eng: "Engine", stack: Stack, res: Resource) -> bool:
        eng.store.software_configs.pop(res.physical_id or "", None)
        return False
