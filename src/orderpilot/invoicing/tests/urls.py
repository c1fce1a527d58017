"""The invoice URLs mounted under /api/ as ``orderpilot.api.urls`` is asked to include them."""

from django.urls import include, path

urlpatterns = [path("api/", include("orderpilot.invoicing.urls"))]
