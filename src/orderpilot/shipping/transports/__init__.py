"""Shipper transports, by the ``kind`` of a shipper's ``transport`` setting."""

TRANSPORTS: dict[str, str] = {
    "folder": "orderpilot.shipping.transports.folder.FolderTransport",
    "email": "orderpilot.shipping.transports.email.EmailTransport",
    "ftp": "orderpilot.shipping.transports.ftp.FtpTransport",
    "sftp": "orderpilot.shipping.transports.sftp.SftpTransport",
    "http": "orderpilot.shipping.transports.http.HttpTransport",
}
