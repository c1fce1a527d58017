from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from . import views

app_name = "api"

urlpatterns = [
    path("health/", views.HealthApi.as_view(), name="health"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("orders/", views.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/release/", views.OrderReleaseApi.as_view(), name="order-release"),
    path("customers/", views.CustomerListApi.as_view(), name="customer-list"),
    path("tickets/", views.TicketListApi.as_view(), name="ticket-list"),
    path("tickets/<int:pk>/resolve/", views.TicketResolveApi.as_view(), name="ticket-resolve"),
    path("shipping/confirmations/", views.ShippingConfirmationApi.as_view(), name="shipping-confirmation"),
    path("", include("orderpilot.invoicing.urls")),
]
