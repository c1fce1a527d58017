"""Return channels a shipper sends confirmations (and stock feeds) back on, by ``kind``.

``webhook`` (``POST /api/shipping/confirmations/``) and ``manual`` (the packing station) are not
polled; the kinds below are, by :func:`orderpilot.shipping.returns.poll_return_channels`.
"""

RETURN_CHANNELS: dict[str, str] = {
    "imap": "orderpilot.shipping.return_channels.imap.ImapMailbox",
    "ftp": "orderpilot.shipping.return_channels.ftp.FtpPickup",
    "sftp": "orderpilot.shipping.return_channels.sftp.SftpPickup",
}

#: Largest file or mail read from a return channel; a larger one is quarantined unread.
MAX_ITEM_BYTES = 20 * 1024 * 1024
