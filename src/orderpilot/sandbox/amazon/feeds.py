"""Feeds API 2021-06-30: createFeedDocument (+ the presigned upload), createFeed, getFeed, getFeeds,
getFeedDocument. Processing (IN_QUEUE → IN_PROGRESS → DONE/FATAL) happens in :mod:`.feed_processing`.
"""

from __future__ import annotations

from typing import Any

from .clock import format_timestamp
from .documents import download
from .errors import invalid_input, not_found
from .listing import list_page
from .reports import new_document_id
from .routing import Call, Reply
from .state import Feed, StoredDocument

FEED_DOCUMENT_PREFIX = "amzn1.tortuga.4.eu."


def create_feed_document(call: Call) -> Reply:
    body = call.json_body()
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type.strip():
        raise invalid_input("contentType is required.", 'e.g. {"contentType": "text/xml; charset=UTF-8"}')
    document_id = new_document_id(FEED_DOCUMENT_PREFIX)
    call.sim.state.documents[document_id] = StoredDocument(
        document_id, b"", content_type, compressed=False, uploaded=False
    )
    url = call.sim.signer.url(
        call.base_url, f"/_s3/feeds/{document_id}", method="PUT", now=call.now, content_type=content_type
    )
    return Reply(201, {"feedDocumentId": document_id, "url": url})


def upload_feed_document(call: Call) -> Reply:
    """``PUT /_s3/feeds/{documentId}``: the upload must carry the document's content type."""
    document = call.sim.state.documents.get(call.args["documentId"])
    if document is None:
        return Reply(404, raw=b"NoSuchKey", content_type="text/plain")
    refusal = call.sim.signer.refusal(call)  # the content type is a signed header
    if refusal:
        return refusal
    document.content = call.request.get_data()
    document.uploaded = True
    return Reply(200, raw=b"", headers={"ETag": f'"{len(document.content):x}"'})


def download_feed_document(call: Call) -> Reply:
    refusal = call.sim.signer.refusal(call)
    if refusal:
        return refusal
    document = call.sim.state.documents.get(call.args["documentId"])
    if document is None:
        return Reply(404, raw=b"NoSuchKey", content_type="text/plain")
    return download(call, document)


def create_feed(call: Call) -> Reply:
    body = call.json_body()
    feed_type, marketplaces, document_id = (
        body.get("feedType"),
        body.get("marketplaceIds"),
        body.get("inputFeedDocumentId"),
    )
    if not isinstance(feed_type, str) or not feed_type:
        raise invalid_input("feedType is required.")
    if (
        not isinstance(marketplaces, list)
        or not marketplaces
        or not all(isinstance(m, str) for m in marketplaces)
    ):
        raise invalid_input("marketplaceIds is required (a list of marketplace ids).")
    state = call.sim.state
    if (
        not isinstance(document_id, str)
        or not document_id.startswith(FEED_DOCUMENT_PREFIX)
        or document_id not in state.documents
    ):
        raise invalid_input("Invalid input", f"inputFeedDocumentId {document_id!r} is not a feed document.")
    options = body.get("feedOptions") or {}
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise invalid_input("feedOptions must map names to string values.")
    feed = Feed(state.next_id(), feed_type, list(marketplaces), document_id, dict(options), call.now)
    state.feeds[feed.feed_id] = feed
    return Reply(202, {"feedId": feed.feed_id})


def feed_json(feed: Feed) -> dict[str, Any]:
    body: dict[str, Any] = {
        "feedId": feed.feed_id,
        "feedType": feed.feed_type,
        "marketplaceIds": list(feed.marketplace_ids),
        "createdTime": format_timestamp(feed.created_time),
        "processingStatus": feed.processing_status,
    }
    if feed.processing_start_time:
        body["processingStartTime"] = format_timestamp(feed.processing_start_time)
    if feed.processing_end_time:
        body["processingEndTime"] = format_timestamp(feed.processing_end_time)
    if feed.result_document_id:
        body["resultFeedDocumentId"] = feed.result_document_id
    return body


def get_feed(call: Call) -> Reply:
    feed = call.sim.state.feeds.get(call.args["feedId"])
    if feed is None:
        raise not_found(f"Feed {call.args['feedId']} was not found.")
    return Reply(200, feed_json(feed))


def get_feeds(call: Call) -> Reply:
    feeds = call.sim.state.feeds
    ids, following = list_page(
        call,
        kind="getFeeds",
        types_param="feedTypes",
        entries=feeds.values(),
        identify=lambda f: f.feed_id,
        describe=lambda f: (f.feed_type, f.processing_status, f.marketplace_ids, f.created_time),
    )
    body: dict[str, Any] = {"feeds": [feed_json(feeds[i]) for i in ids]}
    if following:
        body["nextToken"] = following
    return Reply(200, body)


def get_feed_document(call: Call) -> Reply:
    document_id = call.args["feedDocumentId"]
    document = call.sim.state.documents.get(document_id)
    if document is None or not document_id.startswith(FEED_DOCUMENT_PREFIX):
        raise not_found(f"Feed document {document_id} was not found.")
    url = call.sim.signer.url(call.base_url, f"/_s3/feeds/{document_id}", method="GET", now=call.now)
    body: dict[str, Any] = {"feedDocumentId": document_id, "url": url}
    if document.compressed:
        body["compressionAlgorithm"] = "GZIP"
    return Reply(200, body)


def cancel_feed(call: Call) -> Reply:
    """``DELETE /feeds/2021-06-30/feeds/{feedId}``: only a feed still IN_QUEUE (200, no body)."""
    feed = call.sim.state.feeds.get(call.args["feedId"])
    if feed is None:
        raise not_found(f"Feed {call.args['feedId']} was not found.")
    if feed.processing_status != "IN_QUEUE":
        raise invalid_input(
            f"Feed {feed.feed_id} is {feed.processing_status}; only IN_QUEUE feeds can be cancelled."
        )
    feed.processing_status = "CANCELLED"
    return Reply(200)
