"""Shipper transports, by the ``kind`` of a shipper's ``transport`` setting."""

TRANSPORTS: dict[str, str] = {
    "folder": "orderpilot.shipping.transports.folder.FolderTransport",
}
