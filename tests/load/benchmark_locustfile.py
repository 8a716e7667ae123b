"""Load for `manage.py benchmark_api --concurrency N`: readers with no think time, each request
one of the benchmark's operation URLs (a JSON list in the file BENCHMARK_URLS names), chosen at
random. Every answer must be 200; anything else (a 429 included) counts as an error.

Not part of the test suite; the command starts it (see the README).
"""

import json
import os
import random

from locust import HttpUser, constant, task

URLS = json.loads(open(os.environ["BENCHMARK_URLS"]).read())  # noqa: SIM115


class Reader(HttpUser):
    wait_time = constant(0)

    @task
    def read(self):
        url = random.choice(URLS)  # noqa: S311 - load mix, not security
        self.client.get(url, name=url.split("?")[0] if "cursor=" in url else url)
