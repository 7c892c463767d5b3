"""Serve plotly.js from the installed plotly package, never from a CDN.

The intranet has no internet. The file ships inside the Python package, so the
browser always gets the plotly.js that matches the Python side that builds figures;
whitenoise gives it a hashed name and a far-future cache like every static file.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).parent / "package_data"
FILE_NAME = "plotly.min.js"
PREFIX = "plotly"


class PlotlyJsFinder(BaseFinder):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = PREFIX

    def check(self, **kwargs) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == f"{PREFIX}/{FILE_NAME}":
            match = str(PACKAGE_DATA / FILE_NAME)
            return [match] if find_all else match
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield FILE_NAME, self.storage
