"""A FHIR R4 server's POST [base] for transaction bundles, in memory, as the specification's
transaction processing rules (http.html#trules) describe it: conditional creates
(ifNoneExist) create only when no resource matches, and references to an entry's fullUrl
are rewritten to the id the server gave or found."""

import itertools
import json
from urllib.parse import parse_qsl


class Refused(Exception):
    """The server refuses the whole transaction (nothing is stored), with its status."""


class FhirServer:
    def __init__(self) -> None:
        self.resources: dict[str, dict[str, dict]] = {}
        self._ids = itertools.count(1)

    def post(self, body: bytes) -> dict:
        """Process a transaction Bundle all or nothing; return the transaction-response."""
        bundle = json.loads(body)
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") not in (
            "transaction",
            "batch",
        ):
            raise Refused("400 POST [base] takes only a transaction or batch Bundle")
        found: dict[str, str] = {}
        created: list[tuple[str, str, dict]] = []
        statuses = []
        for entry in bundle["entry"]:
            request = entry["request"]
            kind = request["url"]
            matches = self.search(kind, request.get("ifNoneExist", ""))
            if len(matches) > 1:
                raise Refused("412 the condition matches more than one resource")
            if matches and request.get("ifNoneExist"):
                found[entry["fullUrl"]] = f"{kind}/{matches[0]}"
                statuses.append(("200 OK", found[entry["fullUrl"]]))
                continue
            new_id = str(next(self._ids))
            found[entry["fullUrl"]] = f"{kind}/{new_id}"
            created.append((kind, new_id, entry["resource"]))
            statuses.append(("201 Created", found[entry["fullUrl"]]))
        for kind, new_id, resource in created:
            text = json.dumps(resource)
            for full_url, reference in found.items():
                text = text.replace(json.dumps(full_url), json.dumps(reference))
            self.resources.setdefault(kind, {})[new_id] = json.loads(text) | {"id": new_id}
        return {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {"response": {"status": status, "location": location}}
                for status, location in statuses
            ],
        }

    def search(self, kind: str, query: str) -> list[str]:
        """Return the ids of the resources of kind whose identifier matches system|value."""
        wanted = dict(parse_qsl(query)).get("identifier")
        if wanted is None:
            return []
        system, _, value = wanted.partition("|")
        return [
            resource_id
            for resource_id, resource in self.resources.get(kind, {}).items()
            if {"system": system, "value": value} in resource.get("identifier", [])
        ]
