"""Pages, styles, scripts and JSON travel compressed to a browser that asks; downloads do not."""

import gzip

import brotli
import pytest

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}  # what Chromium sends
UNPACK = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.mark.parametrize("path", ["/", "/readings", "/static/css/app.css", "/static/js/app.js"])
def test_text_travels_compressed_to_a_browser_that_asks(app, client, alice, path):
    plain = client.get(path)
    packed = client.get(path, headers=BROWSER)
    assert plain.status_code == packed.status_code == 200
    assert "Accept-Encoding" in packed.headers["Vary"]
    encoding = packed.headers.get("Content-Encoding")
    assert encoding in UNPACK, encoding
    assert len(packed.data) < len(plain.data) / 2
    unpacked = UNPACK[encoding](packed.data)
    if path.startswith("/static/"):
        assert unpacked == plain.data
    else:  # a page's form token differs from one request to the next
        assert unpacked.startswith(b"<!doctype html>") and unpacked.rstrip().endswith(b"</html>")
    plain.close()
    packed.close()


def test_csv_downloads_go_as_they_are(app, client, alice):
    export = client.get("/export/readings.csv", headers=BROWSER)
    assert export.status_code == 200 and "Content-Encoding" not in export.headers
    assert export.get_data(as_text=True).startswith('"recorded_at"')
