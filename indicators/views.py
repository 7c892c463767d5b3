from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from indicators.selectors import indicator_list
from indicators.years import current_plan_year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    year = current_plan_year()
    rows = []
    for indicator in indicator_list():
        target = next((t for t in indicator.targets.all() if t.year == year), None)
        rows.append({"indicator": indicator, "target": target})
    domains = [
        (domain, list(items))
        for domain, items in groupby(rows, key=lambda r: r["indicator"].domain)
    ]
    return render(request, "indicators/home.html", {"year": year, "domains": domains})
