from django.urls import path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="account_signup"),
    path("profile/", views.profile, name="profile"),
    path("organization/", views.members, name="organization_members"),
    path("organization/switch/", views.switch_organization, name="organization_switch"),
    path(
        "organization/two-factor/",
        views.organization_two_factor,
        name="organization_two_factor",
    ),
    path("organization/invite/", views.invite, name="organization_invite"),
    path(
        "organization/invitations/<int:pk>/cancel/",
        views.cancel_invitation,
        name="invitation_cancel",
    ),
    path("organization/members/<int:pk>/role/", views.change_member_role, name="member_role"),
    path("organization/members/<int:pk>/remove/", views.remove_member, name="member_remove"),
    path("invitations/<str:token>/", views.accept_invitation, name="invitation_accept"),
]
