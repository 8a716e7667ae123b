"""Load test: anonymous readers of the public API, over the seed data `quickstart` loads.

Not part of the test suite (pytest collects test_*.py only). Run it against a server started
with throttle rates raised above what the test sends (the README says how):

    locust -f tests/load/locustfile.py --headless -u 32 -r 8 -t 60s --host http://127.0.0.1:8000

Every answer must be 200; anything else (a 429 included) counts as a failure.
"""

from locust import HttpUser, between, task

LISTS = [
    "/api/states/",
    "/api/organizations/",
    "/api/components/",
    "/api/platforms/",
    "/api/transfers/",
    "/api/permit-decisions/",
    "/api/conflicts/",
    "/api/sources/",
    "/api/evidence/",
]


class Reader(HttpUser):
    """A researcher browsing: lists and pages, details, the supply-chain questions."""

    wait_time = between(0.5, 1.5)

    @task(6)
    def lists(self):
        for url in LISTS:
            self.client.get(url, name=url)

    @task(2)
    def filtered_lists(self):
        self.client.get("/api/permit-decisions/?authority=CA&action=suspend", name="filtered")
        self.client.get("/api/states/?page=3", name="/api/states/?page=N")
        self.client.get("/api/transfers/?format=csv", name="csv")

    @task(3)
    def details(self):
        self.client.get("/api/states/TR/", name="state detail")
        self.client.get("/api/organizations/l3harris-wescam/", name="organization detail")
        self.client.get("/api/states/TR/timeline/", name="timeline")

    @task(3)
    def supply_chain(self):
        self.client.get("/api/supply-chain/paths/?from=CA&to=AZ", name="paths")
        self.client.get("/api/supply-chain/origins/?state=AZ", name="origins")
        self.client.get("/api/supply-chain/reach/?state=CA", name="reach")
        self.client.get(
            "/api/permit-status/?authority=CA&target=TR&on=2020-01-15", name="permit-status"
        )
