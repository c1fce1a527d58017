"""The parts of the Uploads API 2020-11-01 model the simulator tests check against.

``shared/fixtures/sp-api-models`` has no copy of ``uploads_2020-11-01.json``; this is its operation
(``createUploadDestinationForResource``: path, usage plan, the responses' statuses) and its definitions,
transcribed from amzn/selling-partner-api-models ``models/uploads-api-model/uploads_2020-11-01.json``.
The usage plan is written ``0.1`` where the model writes ``.1``.
"""

from __future__ import annotations

from typing import Any

_RESPONSE = {"schema": {"$ref": "#/definitions/CreateUploadDestinationResponse"}}

UPLOADS_MODEL: dict[str, Any] = {
    "swagger": "2.0",
    "paths": {
        "/uploads/2020-11-01/uploadDestinations/{resource}": {
            "post": {
                "operationId": "createUploadDestinationForResource",
                "description": "Usage Plan:\n\n| Rate (requests per second) | Burst |\n| ---- | ---- |\n| 0.1 | 5 |",
                "responses": {
                    status: {"description": status, **_RESPONSE}
                    for status in ("201", "400", "403", "404", "413", "415", "429", "500", "503")
                },
            }
        }
    },
    "definitions": {
        "CreateUploadDestinationResponse": {
            "type": "object",
            "properties": {
                "payload": {"$ref": "#/definitions/UploadDestination"},
                "errors": {"$ref": "#/definitions/ErrorList"},
            },
        },
        "UploadDestination": {
            "type": "object",
            "properties": {
                "uploadDestinationId": {"type": "string"},
                "url": {"type": "string"},
                "headers": {"type": "object"},
            },
        },
        "ErrorList": {"type": "array", "items": {"$ref": "#/definitions/Error"}},
        "Error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "string"},
            },
        },
    },
}
