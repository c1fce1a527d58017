from django.urls import include, path

from . import views

app_name = "cockpit"

urlpatterns = [
    path("", views.board, name="board"),
    path("attention/", views.attention, name="attention"),
    path("queue/", views.manual_queue, name="queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("orders/<int:pk>/release/", views.order_release, name="order_release"),
    path("orders/<int:pk>/payments/", views.order_payments, name="order_payments"),
    path("payments/differences/", views.payment_differences, name="payment_differences"),
    path("shipments/<str:number>/", views.shipment_detail, name="shipment"),
    path("shipments/<str:number>/pdf/", views.shipment_pdf, name="shipment_pdf"),
    path(
        "shipments/<str:number>/documents/<int:document_pk>/",
        views.shipment_stored_document,
        name="shipment_document",
    ),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice"),
    path("invoices/<str:number>/xml/", views.invoice_xml, name="invoice_xml"),
    path("customers/<int:pk>/", views.customer_detail, name="customer"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/comment/", views.ticket_comment, name="ticket_comment"),
    path("tickets/<int:pk>/resolve/", views.ticket_resolve, name="ticket_resolve"),
    path("tickets/<int:pk>/release/", views.ticket_release, name="ticket_release"),
    path("tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/email/", views.ticket_email, name="ticket_email"),
    path("packing/", views.packing, name="packing"),
    path("packing/confirm/", views.packing_confirm, name="packing_confirm"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/config.toml", views.settings_config_download, name="settings_config"),
    path("settings/users/", views.settings_users, name="settings_users"),
    path("settings/users/<int:pk>/role/", views.settings_user_role, name="settings_user_role"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("account/password/done/", views.PasswordChangeDone.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
]
