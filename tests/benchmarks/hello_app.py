"""The baseline of the HTTP benchmarks: Flask's hello-world app, served by gunicorn with the
same settings as the kit (``gunicorn ... hello_app:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
